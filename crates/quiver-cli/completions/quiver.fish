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
complete -c quiver -n "__fish_quiver_needs_command" -f -a "file-to-stream" -d 'Convert an Arrow IPC file (`.arrow`) into an Arrow IPC stream'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "stream-to-file" -d 'Convert an Arrow IPC stream (`.arrows`) into an Arrow IPC file'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "legacy" -d 'Read and write pyarrow\'s legacy `pyarrow.serialize` blobs (pyarrow 10 and earlier)'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh or fish) on standard output'
complete -c quiver -n "__fish_quiver_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c quiver -n "__fish_quiver_using_subcommand completions" -l no-value-range-checks -d 'Accept decimals with more digits than their precision, date64 values that are not whole days and times outside one day (Arrow C++\'s full validation refuses them, and so does Quiver by default; some old producers wrote them). They are carried over unchanged'
complete -c quiver -n "__fish_quiver_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from file-to-stream stream-to-file legacy completions help" -f -a "file-to-stream" -d 'Convert an Arrow IPC file (`.arrow`) into an Arrow IPC stream'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from file-to-stream stream-to-file legacy completions help" -f -a "stream-to-file" -d 'Convert an Arrow IPC stream (`.arrows`) into an Arrow IPC file'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from file-to-stream stream-to-file legacy completions help" -f -a "legacy" -d 'Read and write pyarrow\'s legacy `pyarrow.serialize` blobs (pyarrow 10 and earlier)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from file-to-stream stream-to-file legacy completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh or fish) on standard output'
complete -c quiver -n "__fish_quiver_using_subcommand help; and not __fish_seen_subcommand_from file-to-stream stream-to-file legacy completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from legacy" -f -a "decode" -d 'Print the value of a legacy blob as canonical tagged JSON (one document)'
complete -c quiver -n "__fish_quiver_using_subcommand help; and __fish_seen_subcommand_from legacy" -f -a "encode" -d 'Write a legacy blob from canonical tagged JSON'
