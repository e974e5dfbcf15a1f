using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

/// <summary>
/// An admission webhook served over HTTPS on 127.0.0.1 (a free port) by a test Kestrel, with its own CA: the serving
/// certificate names 127.0.0.1 and <c>hook.default.svc</c>. Each AdmissionReview it receives is recorded and answered
/// by the test's handler.
/// </summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestWebhook(WebApplication app, X509Certificate2 ca)
    {
        _app = app;
        CaBundle = Encoding.ASCII.GetBytes(ca.ExportCertificatePem());
    }

    public ConcurrentQueue<JsonNode> Reviews { get; } = new();

    public byte[] CaBundle { get; }

    public int Port { get; private set; }

    public string Url(string path) => $"https://127.0.0.1:{Port}{path}";

    /// <summary>Starts a webhook whose answer for each review (path, request) comes from <paramref name="handler"/>.</summary>
    public static async Task<TestWebhook> StartAsync(Func<string, JsonNode, Task<JsonObject>> handler)
    {
        var (ca, serving) = Certificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
        var app = builder.Build();
        TestWebhook? hook = null;
        app.Run(async ctx =>
        {
            var review = await JsonNode.ParseAsync(ctx.Request.Body);
            hook!.Reviews.Enqueue(review!);
            var answer = await handler(ctx.Request.Path.Value ?? "/", review!);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(answer.ToJsonString());
        });
        hook = new TestWebhook(app, ca);
        await app.StartAsync();
        hook.Port = new Uri(app.Urls.First()).Port;
        return hook;
    }

    /// <summary>An AdmissionReview answer for <paramref name="review"/>.</summary>
    public static JsonObject Answer(JsonNode review, bool allowed, string? message = null, int? code = null, string? patch = null, params string[] warnings)
    {
        var response = new JsonObject { ["uid"] = (string?)review["request"]!["uid"], ["allowed"] = allowed };
        if (message is not null || code is not null)
        {
            response["status"] = new JsonObject { ["message"] = message, ["code"] = code };
        }

        if (patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch));
        }

        if (warnings.Length > 0)
        {
            response["warnings"] = new JsonArray(warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        }

        return new JsonObject { ["apiVersion"] = (string?)review["apiVersion"], ["kind"] = "AdmissionReview", ["response"] = response };
    }

    private static (X509Certificate2 Ca, X509Certificate2 Serving) Certificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=test-webhook-ca", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=hook.default.svc", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("hook.default.svc");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(12));
        var serving = X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
        return (ca, serving);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
