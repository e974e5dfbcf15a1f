using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Skiff.Cli;

// SIGTERM and SIGINT cancel the running command so it can stop its parts in order (API server, then
// store) and exit 0. System.CommandLine's own handling is off because it gives up after a fixed timeout;
// a second signal falls through to the default action and ends the process at once.
using var terminate = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (!terminate.IsCancellationRequested)
    {
        context.Cancel = true;
        terminate.Cancel();
    }
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

var parseResult = SkiffCommandLine.Create().Parse(args);
if (parseResult.Action is ParseErrorAction parseError)
{
    // A bad flag gets its one-line error; the full help would bury it (`skiff server --help` shows it).
    parseError.ShowHelp = false;
}

return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, terminate.Token);
