using System.Net;

namespace Skiff.Kubelet.Simulation;

/// <summary>
/// Answers the httpGet lifecycle hooks of simulated pods with 200 OK and no network traffic: their pod IPs belong to
/// no interface, and a request to them must never leave the machine (DESIGN §4).
/// </summary>
internal sealed class SimulatedHttpHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent([]) });
}
