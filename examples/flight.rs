//! Arrow Flight with Quiver: a server that serves record batches by name and stores
//! uploads (a `FlightHandler` in a few lines), and a client that lists, downloads and
//! uploads, over loopback. Run with `cargo run --example flight --features flight`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::{TryStreamExt, stream};
use quiver::flight::client::FlightClient;
use quiver::flight::decode::FlightRecordBatchStream;
use quiver::flight::encode::schema_to_ipc;
use quiver::flight::proto::flight_descriptor::DescriptorType;
use quiver::flight::proto::{FlightDescriptor, FlightEndpoint, FlightInfo, Ticket};
use quiver::flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
use quiver::flight::{Bytes, Status};
use quiver::{Array, RecordBatch, SchemaRef, record_batch};

/// Named lists of batches, in memory.
#[derive(Default)]
struct Store {
    tables: Mutex<BTreeMap<String, (SchemaRef, Vec<RecordBatch>)>>,
}

struct Handler(Arc<Store>);

fn path(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec![name.to_string()],
        ..Default::default()
    }
}

fn name_of(descriptor: &FlightDescriptor) -> Result<String, Status> {
    match descriptor.path.as_slice() {
        [name] => Ok(name.clone()),
        _ => Err(Status::invalid_argument(
            "give one name as the descriptor's path",
        )),
    }
}

impl FlightHandler for Handler {
    async fn list_flights(&self, _criteria: Bytes) -> Result<Vec<FlightInfo>, Status> {
        let tables = self
            .0
            .tables
            .lock()
            .map_err(|_| Status::internal("poisoned"))?;
        tables
            .iter()
            .map(|(name, (schema, batches))| {
                Ok(FlightInfo {
                    schema: schema_to_ipc(schema).map_err(|e| e.into_status())?,
                    flight_descriptor: Some(path(name)),
                    endpoint: vec![FlightEndpoint {
                        ticket: Some(Ticket {
                            ticket: Bytes::from(name.clone()),
                        }),
                        ..Default::default()
                    }],
                    total_records: batches.iter().map(|b| b.num_rows() as i64).sum(),
                    total_bytes: -1,
                    ..Default::default()
                })
            })
            .collect()
    }

    async fn do_get(&self, ticket: Ticket) -> Result<BatchStream, Status> {
        let name = String::from_utf8_lossy(&ticket.ticket).into_owned();
        let tables = self
            .0
            .tables
            .lock()
            .map_err(|_| Status::internal("poisoned"))?;
        let (schema, batches) = tables
            .get(&name)
            .cloned()
            .ok_or_else(|| Status::not_found(format!("no flight named {name}")))?;
        Ok(BatchStream::new(
            schema,
            stream::iter(batches.into_iter().map(Ok)),
        ))
    }

    async fn do_put(
        &self,
        descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let name = name_of(&descriptor)?;
        // Every batch arrives decoded and fully validated.
        let mut batches = batches;
        let schema = batches.read_schema().await.map_err(|e| e.into_status())?;
        let batches: Vec<RecordBatch> = batches.try_collect().await.map_err(|e| e.into_status())?;
        let answer = format!("stored {} batches as {name}", batches.len());
        self.0
            .tables
            .lock()
            .map_err(|_| Status::internal("poisoned"))?
            .insert(name, (schema, batches));
        Ok(Bytes::from(answer))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The server: 127.0.0.1 and a free port.
    let server = FlightServer::bind(
        "127.0.0.1:0",
        Handler(Arc::default()),
        ServerOptions::default(),
    )
    .await?;
    let url = format!("grpc://{}", server.local_addr());
    println!("listening on {url}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));

    // The client: upload a table, list, download it back.
    let client = FlightClient::connect(&url).await?;
    let batch = record_batch(
        vec![
            Array::from(vec![1i64, 2, 3]),
            Array::from(vec![Some("Flight"), None, Some("Quiver")]),
        ],
        &["n", "s"],
    )?;
    let upload = stream::iter(vec![Ok(batch.clone()), Ok(batch.clone())]);
    let answers: Vec<_> = client
        .do_put(path("numbers"), batch.schema().clone(), upload)
        .await?
        .try_collect()
        .await?;
    println!("put: {}", String::from_utf8_lossy(&answers[0].app_metadata));

    let flights: Vec<FlightInfo> = client
        .list_flights(Bytes::new())
        .await?
        .try_collect()
        .await?;
    for info in &flights {
        let path = info
            .flight_descriptor
            .as_ref()
            .map(|d| d.path.join("/"))
            .unwrap_or_default();
        println!("flight {path}: {} rows", info.total_records);
    }
    assert_eq!(flights.len(), 1);

    let ticket = flights[0].endpoint[0].ticket.clone().unwrap_or_default();
    let back: Vec<RecordBatch> = client.do_get(ticket).await?.try_collect().await?;
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|b| b.equals(&batch)));
    println!("get: {} batches, equal to what was put", back.len());

    let missing = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"nope"),
        })
        .await;
    let err = match missing {
        Ok(mut s) => s.try_next().await.err(),
        Err(e) => Some(e),
    };
    println!(
        "get nope: {}",
        err.map(|e| e.to_string()).unwrap_or_default()
    );

    let _ = stop.send(());
    serving.await??;
    Ok(())
}
