using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.DefaultBinder;

/// <summary>
/// kube-scheduler's DefaultBinder: POSTs a v1 Binding to pods/{name}/binding. A 409 means the pod is already
/// bound (by another scheduler instance, or an earlier attempt that timed out on the way back) or is being deleted.
/// </summary>
internal sealed class DefaultBinderPlugin(ApiConnection? connection) : IBindPlugin
{
    public const string PluginName = "DefaultBinder";

    public string Name => PluginName;

    public async Task<Status> BindAsync(PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return Status.Error("no API connection to bind through");
        }

        var meta = pod.Pod.Metadata;
        var binding = new V1Binding
        {
            ApiVersion = "v1",
            Kind = "Binding",
            Metadata = new V1ObjectMeta { Name = meta.Name, NamespaceProperty = meta.NamespaceProperty, Uid = meta.Uid },
            Target = new V1ObjectReference { Kind = "Node", Name = nodeName },
        };

        // Skiff.Client's typed clients have no create-on-subresource yet, so the request is built here.
        var path = ApiResource.Pods.Path(meta.NamespaceProperty, meta.Name, "binding");
        using var request = new HttpRequestMessage(HttpMethod.Post, connection.BaseUri.ToString().TrimEnd('/') + path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.ParseAdd("skiff-scheduler");
        request.Content = new StringContent(KubernetesJson.Serialize(binding), Encoding.UTF8, "application/json");
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return Status.Ok;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string message;
        try
        {
            message = KubernetesJson.Deserialize<V1Status>(body)?.Message ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            message = body;
        }

        return new Status(response.StatusCode == System.Net.HttpStatusCode.Conflict ? StatusCode.UnschedulableAndUnresolvable : StatusCode.Error,
            [$"binding rejected: {(int)response.StatusCode} {message}"]);
    }
}
