using System.Net.Http.Headers;
using System.Text;
using Skiff.Client.Api;

namespace Skiff.Scheduler.Host;

/// <summary>
/// Sends strategic merge patches to pods/{name}/status, as kube-scheduler's updatePod does: conditions merge
/// by type, so writing PodScheduled leaves the other conditions (a kubelet's Ready) alone. Skiff.Client's typed
/// clients only send JSON merge patches, which would replace the whole list.
/// </summary>
internal sealed class PodStatusPatcher(ApiConnection connection) : IPodStatusPatcher
{
    public async Task PatchStatusAsync(string ns, string name, string strategicMergePatch, CancellationToken cancellationToken)
    {
        var path = ApiResource.Pods.Path(ns, name, "status");
        using var request = new HttpRequestMessage(HttpMethod.Patch, connection.BaseUri.ToString().TrimEnd('/') + path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.ParseAdd("skiff-scheduler");
        request.Content = new StringContent(strategicMergePatch, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/strategic-merge-patch+json");
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"patching pods/{name}/status: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }
}
