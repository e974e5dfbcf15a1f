using System.CommandLine;
using Skiff.Api.Validation;
using Skiff.Join;

namespace Skiff.Cli;

/// <summary>The <c>skiff token</c> command line: <c>create [--ttl D] [--description T]</c>, <c>list</c>, <c>delete ID</c>.</summary>
internal sealed class TokenCommandLine
{
    public TokenCommandLine(Func<string> defaultDataDir)
    {
        Option<string> DataDir() => new("--data-dir", "-d") { Description = "The server's data directory", DefaultValueFactory = _ => defaultDataDir() };

        var createDataDir = DataDir();
        var ttl = new Option<string>("--ttl") { Description = "How long the token is valid (Go duration, e.g. 24h, 30m); 0 never expires", DefaultValueFactory = _ => "24h" };
        ttl.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !GoDurations.TryParse(result.Tokens[0].Value, out _) && result.Tokens[0].Value != "0")
            {
                result.AddError($"--ttl: '{result.Tokens[0].Value}' is not a duration (e.g. 24h, 90m, 0)");
            }
        });
        var description = new Option<string?>("--description") { Description = "A human-readable note stored with the token" };
        var create = new Command("create", "Create a join token for `skiff agent --token`") { createDataDir, ttl, description };
        create.SetAction(async (parseResult, cancellationToken) =>
        {
            var text = parseResult.GetValue(ttl)!;
            var duration = text == "0" ? TimeSpan.Zero : GoDurations.TryParse(text, out var d) ? d : TimeSpan.Zero;
            return await new TokenCommand(parseResult.GetValue(createDataDir)!, Console.Out, Console.Error, TimeProvider.System)
                .CreateAsync(duration, parseResult.GetValue(description), cancellationToken).ConfigureAwait(false);
        });

        var listDataDir = DataDir();
        var list = new Command("list", "List the bootstrap tokens") { listDataDir };
        list.SetAction(async (parseResult, cancellationToken) =>
            await new TokenCommand(parseResult.GetValue(listDataDir)!, Console.Out, Console.Error, TimeProvider.System).ListAsync(cancellationToken).ConfigureAwait(false));

        var deleteDataDir = DataDir();
        var id = new Argument<string>("ID") { Description = "The token id (the 6 characters before the dot) or the whole token" };
        var delete = new Command("delete", "Delete a bootstrap token; agents that have joined keep their certificates") { deleteDataDir, id };
        delete.SetAction(async (parseResult, cancellationToken) =>
            await new TokenCommand(parseResult.GetValue(deleteDataDir)!, Console.Out, Console.Error, TimeProvider.System)
                .DeleteAsync(parseResult.GetValue(id)!, cancellationToken).ConfigureAwait(false));

        Command = new Command("token", "Manage the bootstrap tokens agents join with") { create, list, delete };
    }

    public Command Command { get; }
}
