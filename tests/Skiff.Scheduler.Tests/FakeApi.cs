using System.Net;
using System.Text;
using Skiff.Client.Api;

namespace Skiff.Scheduler.Tests;

/// <summary>
/// An HTTP handler standing in for the API server: GETs are answered by <see cref="Get"/> (404 when it returns
/// null); every other request is recorded and answered 200 with the request body (or "{}" for a patch).
/// </summary>
internal sealed class FakeApi : HttpMessageHandler
{
    private const string NotFound = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}";

    /// <summary>Writes seen so far: method, path and body.</summary>
    public List<(string Method, string Path, string Body)> Requests { get; } = [];

    /// <summary>Answers GET requests by path (JSON), or null for 404.</summary>
    public Func<string, string?>? Get { get; set; }

    /// <summary>A status code to answer the next write with instead of 200.</summary>
    public HttpStatusCode? Next { get; set; }

    public ApiConnection Connection() => new(new HttpClient(this), new Uri("http://fake.invalid/"));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Get)
        {
            var found = Get?.Invoke(path);
            return new HttpResponseMessage(found is null ? HttpStatusCode.NotFound : HttpStatusCode.OK)
            {
                Content = new StringContent(found ?? NotFound, Encoding.UTF8, "application/json"),
            };
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method.Method, path, body));
        }

        var code = Next ?? HttpStatusCode.OK;
        Next = null;
        var answer = code == HttpStatusCode.OK && body.StartsWith('{') && request.Method != HttpMethod.Patch ? body : "{}";
        return new HttpResponseMessage(code) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
    }
}
