using Skiff.Server;

namespace Skiff.Cli.Tests.Server;

public sealed class DatastoreEndpointTests
{
    private const string DefaultPath = "/data/server/db/state.db";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("sqlite://")]
    [InlineData("sqlite://?_journal=WAL")]
    public void Parse_EmptyOrBareSqlite_UsesTheDefaultDatabase(string? endpoint)
    {
        var parsed = DatastoreEndpoint.Parse(endpoint, DefaultPath);

        Assert.Equal(DatastoreKind.Sqlite, parsed.Kind);
        Assert.Equal(DefaultPath, parsed.SqlitePath);
    }

    [Fact]
    public void Parse_SqliteWithPath_UsesThatFileAndIgnoresParameters()
    {
        var parsed = DatastoreEndpoint.Parse("sqlite:///srv/skiff/state.db?_journal=WAL&cache=shared", DefaultPath);

        Assert.Equal(DatastoreKind.Sqlite, parsed.Kind);
        Assert.Equal("/srv/skiff/state.db", parsed.SqlitePath);
    }

    [Fact]
    public void Parse_HttpUrls_AreEtcdEndpoints()
    {
        var parsed = DatastoreEndpoint.Parse("https://10.0.0.1:2379, http://127.0.0.1:2379", DefaultPath);

        Assert.Equal(DatastoreKind.Etcd, parsed.Kind);
        Assert.Equal(["https://10.0.0.1:2379/", "http://127.0.0.1:2379/"], parsed.EtcdEndpoints.Select(u => u.ToString()));
    }

    [Theory]
    [InlineData("mysql://user@tcp(db:3306)/skiff")]
    [InlineData("postgres://db/skiff")]
    [InlineData("/just/a/path")]
    public void Parse_UnsupportedEndpoint_IsAReadableError(string endpoint)
    {
        var ex = Assert.Throws<StartupException>(() => DatastoreEndpoint.Parse(endpoint, DefaultPath));

        Assert.StartsWith("--datastore-endpoint", ex.Message);
    }
}
