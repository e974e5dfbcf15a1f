// TEMPORARY placeholders for contracts that other branches deliver (ApiServerHost from the lead,
// SqliteStore from the storage branch). Delete this file once those are merged; it exists only so
// that the skiff command compiles and can be tried by hand (a bare HTTPS /readyz endpoint).
#pragma warning disable SA1402, SA1649
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skiff.Storage;

namespace Skiff.ApiServer
{
    public static class ApiServerHost
    {
        public static async Task<IApiServer> StartAsync(ApiServerOptions options, IStore store, ILoggerFactory loggerFactory, CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Services.AddSingleton(loggerFactory);
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(System.Net.IPAddress.Parse(options.BindAddress), options.Port, l => l.UseHttps(h =>
                {
                    h.ServerCertificate = options.ServingCertificate;
                    h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    h.ClientCertificateValidation = (_, _, _) => true;
                }));
            });
            var app = builder.Build();
            app.MapGet("/readyz", () => "ok");
            await app.StartAsync(ct);
            var address = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1"));
            return new PendingApiServer(app, address);
        }

        private sealed class PendingApiServer(WebApplication app, Uri address) : IApiServer
        {
            public Uri Address => address;

            public Task Ready => Task.CompletedTask;

            public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

            public ValueTask DisposeAsync() => app.DisposeAsync();
        }
    }
}

namespace Skiff.Storage.Sqlite
{
    public sealed class SqliteStoreOptions
    {
        public required string DatabasePath { get; init; }
    }

    public sealed class SqliteStore : IStore
    {
        public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, ILogger? logger, CancellationToken ct)
        {
            File.WriteAllBytes(options.DatabasePath, []);
            return Task.FromResult(new SqliteStore());
        }

        public ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield break;
        }

        public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
