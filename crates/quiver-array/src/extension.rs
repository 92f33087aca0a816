//! Extension types: a field whose metadata names an extension (`ARROW:extension:name`,
//! `ARROW:extension:metadata`) over a storage type. The metadata always travels intact;
//! a registry lets applications plug in the types they know, so readers can check them.
//! The canonical extension types of the Arrow format are known without registration
//! (see [`canonical_extension_type`]); registering a type of the same name overrides one.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, RwLock};

pub use crate::canonical::{CANONICAL_EXTENSION_NAMES, canonical_extension_type};
use crate::datatype::DataType;
use crate::field::Field;

/// Metadata key holding an extension type's name.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// Metadata key holding an extension type's serialized parameters.
pub const EXTENSION_METADATA_KEY: &str = "ARROW:extension:metadata";

/// An extension type an application knows about.
///
/// ```
/// use std::sync::Arc;
/// use quiver_array::{DataType, ExtensionType, Field, register_extension_type, validate_extension};
///
/// #[derive(Debug)]
/// struct Uuid;
/// impl ExtensionType for Uuid {
///     fn name(&self) -> &str { "example.uuid" }
///     fn validate(&self, storage: &DataType, _metadata: &str) -> Result<(), String> {
///         match storage {
///             DataType::FixedSizeBinary(16) => Ok(()),
///             other => Err(format!("needs fixed_size_binary[16], not {other}")),
///         }
///     }
/// }
/// register_extension_type(Arc::new(Uuid));
/// let good = Field::new("id", DataType::FixedSizeBinary(16), true).with_extension("example.uuid", "");
/// assert!(validate_extension(&good).is_ok());
/// let bad = Field::new("id", DataType::Int32, true).with_extension("example.uuid", "");
/// assert_eq!(validate_extension(&bad).unwrap_err(), "field \"id\": extension example.uuid: needs fixed_size_binary[16], not int32");
/// ```
pub trait ExtensionType: Send + Sync + Debug {
    /// The name written under `ARROW:extension:name`.
    fn name(&self) -> &str;

    /// Checks that `storage` and the serialized `metadata` make a valid instance.
    fn validate(&self, storage: &DataType, metadata: &str) -> Result<(), String>;
}

/// A set of extension types readers check fields against: the ones registered in it,
/// then the canonical ones of the Arrow format (which every registry knows; registering
/// a type of the same name overrides one).
///
/// The process has one default registry, [`ExtensionRegistry::global`], which the free
/// functions ([`register_extension_type`], [`extension_type`], [`validate_extension`]…)
/// use and readers consult unless their options name another one. Make your own to
/// give one reader (say, one tenant of a server) its own definitions without touching
/// the process-wide ones. Cloning copies the current registrations into an independent
/// registry.
///
/// ```
/// use std::sync::Arc;
/// use quiver_array::{DataType, ExtensionRegistry, ExtensionType, Field, extension_type};
///
/// #[derive(Debug)]
/// struct Celsius;
/// impl ExtensionType for Celsius {
///     fn name(&self) -> &str { "example.celsius" }
///     fn validate(&self, storage: &DataType, _metadata: &str) -> Result<(), String> {
///         match storage {
///             DataType::Float64 => Ok(()),
///             other => Err(format!("needs float64, not {other}")),
///         }
///     }
/// }
/// let registry = ExtensionRegistry::new();
/// registry.register(Arc::new(Celsius));
/// let field = Field::new("t", DataType::Int32, true).with_extension("example.celsius", "");
/// assert_eq!(
///     registry.validate_field(&field).unwrap_err(),
///     "field \"t\": extension example.celsius: needs float64, not int32"
/// );
/// // The process-wide registry does not know the type, so it keeps the field as int32.
/// assert!(extension_type("example.celsius").is_none());
/// assert!(ExtensionRegistry::global().validate_field(&field).is_ok());
/// // Every registry knows the canonical types.
/// assert!(registry.get("arrow.uuid").is_some());
/// ```
#[derive(Debug, Default)]
pub struct ExtensionRegistry {
    types: RwLock<BTreeMap<String, Arc<dyn ExtensionType>>>,
}

static GLOBAL: ExtensionRegistry = ExtensionRegistry::new();

impl ExtensionRegistry {
    /// A registry with nothing registered (it still knows the canonical types).
    pub const fn new() -> Self {
        Self {
            types: RwLock::new(BTreeMap::new()),
        }
    }

    /// The process-wide registry that the free functions and, by default, readers use.
    pub fn global() -> &'static ExtensionRegistry {
        &GLOBAL
    }

    /// Registers (or replaces) an extension type under its name.
    pub fn register(&self, ext: Arc<dyn ExtensionType>) {
        let mut map = self.types.write().unwrap_or_else(|e| e.into_inner());
        map.insert(ext.name().to_string(), ext);
    }

    /// Removes a registered extension type; returns whether it was there. Canonical
    /// types cannot be removed (only overridden).
    pub fn unregister(&self, name: &str) -> bool {
        let mut map = self.types.write().unwrap_or_else(|e| e.into_inner());
        map.remove(name).is_some()
    }

    /// The extension type called `name`: the registered one, else the canonical one of
    /// that name (see [`canonical_extension_type`]).
    pub fn get(&self, name: &str) -> Option<Arc<dyn ExtensionType>> {
        let map = self.types.read().unwrap_or_else(|e| e.into_inner());
        map.get(name)
            .cloned()
            .or_else(|| canonical_extension_type(name))
    }

    /// Checks a field and every field nested in it against this registry's types, as
    /// [`validate_extension`] does against the global one.
    pub fn validate_field(&self, field: &Field) -> Result<(), String> {
        if let Some(name) = field.extension_name()
            && let Some(ext) = self.get(name)
        {
            ext.validate(field.data_type(), field.extension_metadata().unwrap_or(""))
                .map_err(|e| format!("field {:?}: extension {name}: {e}", field.name()))?;
        }
        let children = match field.data_type() {
            DataType::Dictionary { value, .. } => value.children(),
            t => t.children(),
        };
        children
            .into_iter()
            .try_for_each(|child| self.validate_field(child))
    }
}

impl Clone for ExtensionRegistry {
    fn clone(&self) -> Self {
        let map = self.types.read().unwrap_or_else(|e| e.into_inner());
        Self {
            types: RwLock::new(map.clone()),
        }
    }
}

/// Registers (or replaces) an extension type under its name in the process-wide
/// registry ([`ExtensionRegistry::global`]).
pub fn register_extension_type(ext: Arc<dyn ExtensionType>) {
    GLOBAL.register(ext);
}

/// Removes an extension type from the process-wide registry; returns whether it was
/// there.
pub fn unregister_extension_type(name: &str) -> bool {
    GLOBAL.unregister(name)
}

/// The extension type called `name` in the process-wide registry: the registered one,
/// else the canonical one of that name (see [`canonical_extension_type`]).
pub fn extension_type(name: &str) -> Option<Arc<dyn ExtensionType>> {
    GLOBAL.get(name)
}

/// Checks a field and every field nested in it (children, and the children of a
/// dictionary's value type) against the known extension types of the process-wide
/// registry: registered ones first, then the canonical ones. For a dictionary-encoded
/// field the storage checked is the dictionary type, as in Arrow C++. Fields naming an
/// extension nobody knows are kept as their storage type, as Arrow implementations do.
/// [`ExtensionRegistry::validate_field`] does the same against another registry.
///
/// ```
/// use quiver_array::{DataType, Field, validate_extension};
/// let bad = Field::new("b", DataType::UInt8, true).with_extension("arrow.bool8", "");
/// assert_eq!(
///     validate_extension(&bad).unwrap_err(),
///     "field \"b\": extension arrow.bool8: storage must be int8, not uint8"
/// );
/// let unknown = Field::new("b", DataType::UInt8, true).with_extension("example.x", "?");
/// assert!(validate_extension(&unknown).is_ok());
/// ```
pub fn validate_extension(field: &Field) -> Result<(), String> {
    GLOBAL.validate_field(field)
}

impl Field {
    /// Marks the field as an extension type: sets `ARROW:extension:name` and
    /// `ARROW:extension:metadata`, keeping other metadata.
    pub fn with_extension(self, name: &str, metadata: &str) -> Self {
        let mut md: Vec<(String, String)> = self
            .metadata()
            .iter()
            .filter(|(k, _)| k != EXTENSION_NAME_KEY && k != EXTENSION_METADATA_KEY)
            .cloned()
            .collect();
        md.push((EXTENSION_NAME_KEY.to_string(), name.to_string()));
        md.push((EXTENSION_METADATA_KEY.to_string(), metadata.to_string()));
        self.with_metadata(md)
    }

    /// The serialized extension parameters (`ARROW:extension:metadata`), if any.
    pub fn extension_metadata(&self) -> Option<&str> {
        self.metadata_value(EXTENSION_METADATA_KEY)
    }
}
