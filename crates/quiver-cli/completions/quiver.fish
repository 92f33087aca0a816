# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_quiver_global_optspecs
    string join \n no-value-range-checks h/help V/version
end

function __fish_quiver_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_quiver_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_quiver_using_subcommand
    set -l cmd (__fish_quiver_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c quiver -n "__fish_quiver_needs_command" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_needs_command" -s V -l version -d 'Print version'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "schema" -d 'Print the schema: types, nullability, dictionaries, extension types, metadata'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "info" -d 'Describe a file or stream: format, batches, rows, columns, compression, dictionaries'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "head" -d 'Print the first rows of an Arrow IPC file or stream (a table, CSV or JSON lines)'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "cat" -d 'Print every row of an Arrow IPC file or stream, batch by batch'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "validate" -d 'Check that a file or stream is valid, at the default or the full level'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "convert" -d 'Convert Arrow IPC data: file <-> stream, compression, columns, batch size'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "json" -d 'Write Arrow IPC data as an Arrow JSON integration-test document'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "from-json" -d 'Write an Arrow JSON integration-test document as Arrow IPC (a file by default)'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "file-to-stream" -d 'Convert an Arrow IPC file (`.arrow`) into an Arrow IPC stream'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "stream-to-file" -d 'Convert an Arrow IPC stream (`.arrows`) into an Arrow IPC file'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "legacy" -d 'Read and write pyarrow\'s legacy `pyarrow.serialize` blobs (pyarrow 10 and earlier)'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "flight" -d 'Serve Arrow files over Arrow Flight, or list, download and upload flights'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh or fish) on standard output'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand schema" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand schema" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand info" -l json -d 'Print one JSON document instead of text (field names below)'
complete -c quiver -n "__fish_quiver_using_subcommand info" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand info" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand head" -l columns -d 'Print only these columns, in this order (names separated by commas)' -r
complete -c quiver -n "__fish_quiver_using_subcommand head" -l format -d 'How to print the rows' -r -f -a "table\t'An aligned table for people'
csv\t'Comma-separated values with a header row (RFC 4180 quoting)'
json\t'JSON lines: one object per row'"
complete -c quiver -n "__fish_quiver_using_subcommand head" -s n -l rows -d 'How many rows to print' -r
complete -c quiver -n "__fish_quiver_using_subcommand head" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand head" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand cat" -l columns -d 'Print only these columns, in this order (names separated by commas)' -r
complete -c quiver -n "__fish_quiver_using_subcommand cat" -l format -d 'How to print the rows' -r -f -a "table\t'An aligned table for people'
csv\t'Comma-separated values with a header row (RFC 4180 quoting)'
json\t'JSON lines: one object per row'"
complete -c quiver -n "__fish_quiver_using_subcommand cat" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand cat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand validate" -l full -d 'Also check every column again as decoded, a file\'s footer against its messages, and that nothing follows a stream\'s end (see below)'
complete -c quiver -n "__fish_quiver_using_subcommand validate" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand validate" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l to -d 'The output format (default: the input\'s)' -r -f -a "file\t'The file (random access) format, `.arrow`'
stream\t'The streaming format, `.arrows`'"
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l compression -d 'The output\'s body compression (default: the input\'s)' -r -f -a "none\t'No compression'
lz4\t'LZ4 frame'
zstd\t'Zstandard'"
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l zstd-level -d 'The ZSTD level, 1 (fast) to 22 (small); default 3. Needs --compression zstd' -r
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l batch-size -d 'Re-chunk the rows into batches of N rows (the last may be shorter)' -r
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l columns -d 'Keep only these columns, in this order (comma-separated names)' -r
complete -c quiver -n "__fish_quiver_using_subcommand convert" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand json" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand json" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand from-json" -l to -d 'The output format' -r -f -a "file\t'The file (random access) format, `.arrow`'
stream\t'The streaming format, `.arrows`'"
complete -c quiver -n "__fish_quiver_using_subcommand from-json" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand from-json" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand file-to-stream" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand file-to-stream" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand stream-to-file" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand stream-to-file" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and not __fish_seen_subcommand_from decode encode help" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and not __fish_seen_subcommand_from decode encode help" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and not __fish_seen_subcommand_from decode encode help" -f -a "decode" -d 'Print the value of a legacy blob as canonical tagged JSON (one document)'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and not __fish_seen_subcommand_from decode encode help" -f -a "encode" -d 'Write a legacy blob from canonical tagged JSON'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and not __fish_seen_subcommand_from decode encode help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from decode" -l pretty -d 'Indent the JSON (default: one line)'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from decode" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from decode" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from encode" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from encode" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from help" -f -a "decode" -d 'Print the value of a legacy blob as canonical tagged JSON (one document)'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from help" -f -a "encode" -d 'Write a legacy blob from canonical tagged JSON'
complete -c quiver -n "__fish_quiver_using_subcommand legacy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -f -a "serve" -d 'Serve the Arrow IPC files and streams of a directory over Arrow Flight'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -f -a "list" -d 'List the flights of a Flight server: name, rows and bytes'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -f -a "get" -d 'Download a flight into an Arrow IPC file (or stream)'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -f -a "put" -d 'Upload an Arrow IPC file or stream to a Flight server'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and not __fish_seen_subcommand_from serve list get put help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l host -d 'The address to listen on. Keep 127.0.0.1 unless other machines must reach the server (then use a token and TLS)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l port -d 'The port to listen on; 0 picks a free one (printed on the first line)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l token -d 'Require this bearer token on every call (default: the environment variable QUIVER_FLIGHT_TOKEN, if set)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l tls-cert -d 'Serve TLS with this certificate chain (PEM); needs --tls-key' -r -F
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l max-message-size -d 'The largest gRPC message accepted or sent, in bytes (default 64 MiB)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l allow-overwrite -d 'Let an upload replace an existing file (refused with ALREADY_EXISTS otherwise)'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from list" -l token -d 'The bearer token to send (default: the environment variable QUIVER_FLIGHT_TOKEN, if set)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from list" -l tls-root -d 'Trust this CA certificate (PEM) for a grpc+tls:// server' -r -F
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from list" -l json -d 'One JSON object per line instead of a table'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from list" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from get" -l token -d 'The bearer token to send (default: the environment variable QUIVER_FLIGHT_TOKEN, if set)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from get" -l tls-root -d 'Trust this CA certificate (PEM) for a grpc+tls:// server' -r -F
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from get" -l stream -d 'Write the Arrow IPC stream format instead of the file format'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from get" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from put" -l token -d 'The bearer token to send (default: the environment variable QUIVER_FLIGHT_TOKEN, if set)' -r
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from put" -l tls-root -d 'Trust this CA certificate (PEM) for a grpc+tls:// server' -r -F
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from put" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from put" -s h -l help -d 'Print help'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the Arrow IPC files and streams of a directory over Arrow Flight'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the flights of a Flight server: name, rows and bytes'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from help" -f -a "get" -d 'Download a flight into an Arrow IPC file (or stream)'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from help" -f -a "put" -d 'Upload an Arrow IPC file or stream to a Flight server'
complete -c quiver -n "__fish_quiver_using_subcommand flight; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand completions" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "schema" -d 'Print the schema: types, nullability, dictionaries, extension types, metadata'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "info" -d 'Describe a file or stream: format, batches, rows, columns, compression, dictionaries'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "head" -d 'Print the first rows of an Arrow IPC file or stream (a table, CSV or JSON lines)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "cat" -d 'Print every row of an Arrow IPC file or stream, batch by batch'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "validate" -d 'Check that a file or stream is valid, at the default or the full level'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "convert" -d 'Convert Arrow IPC data: file <-> stream, compression, columns, batch size'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "json" -d 'Write Arrow IPC data as an Arrow JSON integration-test document'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "from-json" -d 'Write an Arrow JSON integration-test document as Arrow IPC (a file by default)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "file-to-stream" -d 'Convert an Arrow IPC file (`.arrow`) into an Arrow IPC stream'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "stream-to-file" -d 'Convert an Arrow IPC stream (`.arrows`) into an Arrow IPC file'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "legacy" -d 'Read and write pyarrow\'s legacy `pyarrow.serialize` blobs (pyarrow 10 and earlier)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "flight" -d 'Serve Arrow files over Arrow Flight, or list, download and upload flights'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh or fish) on standard output'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from schema info head cat validate convert json from-json file-to-stream stream-to-file legacy flight completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from legacy" -f -a "decode" -d 'Print the value of a legacy blob as canonical tagged JSON (one document)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from legacy" -f -a "encode" -d 'Write a legacy blob from canonical tagged JSON'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from flight" -f -a "serve" -d 'Serve the Arrow IPC files and streams of a directory over Arrow Flight'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from flight" -f -a "list" -d 'List the flights of a Flight server: name, rows and bytes'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from flight" -f -a "get" -d 'Download a flight into an Arrow IPC file (or stream)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from flight" -f -a "put" -d 'Upload an Arrow IPC file or stream to a Flight server'
