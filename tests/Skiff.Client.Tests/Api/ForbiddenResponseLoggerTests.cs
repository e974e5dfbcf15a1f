using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Api;

public sealed class ForbiddenResponseLoggerTests
{
    private const string ForbiddenStatus =
        """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is forbidden: User \"system:kube-scheduler\" cannot create resource \"pods/binding\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","code":403}""";

    [Fact]
    public async Task Forbidden_IsLoggedAsAWarning_NamingComponentVerbPathAndReason_AndTheBodyStaysReadable()
    {
        var log = new RecordingLogger();
        using var client = Client(log, HttpStatusCode.Forbidden, ForbiddenStatus);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.test/api/v1/namespaces/default/pods/p/binding");
        request.Headers.UserAgent.ParseAdd("skiff-scheduler");

        using var response = await client.SendAsync(request);

        var (level, message) = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("skiff-scheduler was refused by the API server (403 Forbidden): create /api/v1/namespaces/default/pods/p/binding: " +
            "pods \"p\" is forbidden: User \"system:kube-scheduler\" cannot create resource \"pods/binding\" in API group \"\" in the namespace \"default\"", message);
        Assert.Equal(ForbiddenStatus, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized)]
    public async Task OtherAnswers_AreNotLogged(HttpStatusCode code)
    {
        var log = new RecordingLogger();
        using var client = Client(log, code, "{}");
        using var response = await client.GetAsync("https://api.test/api/v1/pods?watch=true");
        Assert.Empty(log.Entries);
    }

    [Theory]
    [InlineData("GET", "/api/v1/pods?watch=true", "watch")]
    [InlineData("GET", "/api/v1/pods", "get or list")]
    [InlineData("PUT", "/api/v1/namespaces/a/pods/p", "update")]
    [InlineData("PATCH", "/api/v1/namespaces/a/pods/p", "patch")]
    [InlineData("DELETE", "/api/v1/namespaces/a/pods/p", "delete")]
    public void Verb_FollowsTheApiServersMapping(string method, string path, string verb) =>
        Assert.Equal(verb, ForbiddenResponseLogger.Verb(new HttpRequestMessage(new HttpMethod(method), "https://api.test" + path)));

    private static HttpClient Client(ILogger log, HttpStatusCode code, string body) =>
        new(new ForbiddenResponseLogger(log) { InnerHandler = new Answer(code, body) });

    private sealed class Answer(HttpStatusCode code, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(code) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
