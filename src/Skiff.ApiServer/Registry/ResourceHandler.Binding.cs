using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>The pods/binding subresource: how a scheduler assigns a pod to a node.</summary>
internal sealed partial class ResourceHandler<T>
{
    /// <summary>
    /// POST pods/{name}/binding with a v1 Binding, as kube-apiserver's BindingREST.Create: sets spec.nodeName
    /// only while it is empty (a second binding is a 409 Conflict, which is how two schedulers racing for one
    /// pod find out), refuses a pod being deleted, copies the binding's annotations onto the pod and records
    /// PodScheduled=True. The write bypasses the pod strategy, whose update validation forbids changing
    /// spec.nodeName; that is the point of a separate subresource.
    /// </summary>
    private async Task BindAsync(HttpContext ctx, string? ns, string name, CancellationToken ct)
    {
        var dryRun = DryRun(ctx);
        var body = TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request was empty");
        }

        V1Binding binding;
        try
        {
            binding = ApiJson.Deserialize<V1Binding>(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"Binding in version \"v1\" cannot be handled as a Binding: {e.Message}");
        }

        var errors = new FieldErrors();
        if (binding.Metadata?.Name is { Length: > 0 } bindingName && bindingName != name)
        {
            errors.Invalid("metadata.name", bindingName, "must match the pod name");
        }

        if (string.IsNullOrEmpty(binding.Target?.Name))
        {
            errors.Required("target.name", "");
        }
        else if (binding.Target.Kind is { Length: > 0 } kind && kind != "Node")
        {
            errors.NotSupported("target.kind", kind, ["Node"]);
        }

        if (errors.Count > 0)
        {
            throw new ApiException(422, "Invalid", $"Binding \"{name}\" is invalid: {errors.Aggregate()}",
                new V1StatusDetails { Name = name, Kind = "Binding", Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList() });
        }

        var node = binding.Target!.Name;
        var bindingResource = Info with { Plural = "pods/binding" };
        await _store.UpdateAsync(ns, name, UpdateKind.Binding, current =>
        {
            if (current is not V1Pod pod)
            {
                throw ApiException.NotFound(Info, name);
            }

            if (pod.Metadata.DeletionTimestamp is not null)
            {
                throw ApiException.Conflict(bindingResource, name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            if (!string.IsNullOrEmpty(pod.Spec.NodeName))
            {
                throw ApiException.Conflict(bindingResource, name, $"pod {name} is already assigned to node \"{pod.Spec.NodeName}\"");
            }

            if (!string.IsNullOrEmpty(binding.Metadata?.ResourceVersion) && binding.Metadata.ResourceVersion != pod.Metadata.ResourceVersion)
            {
                throw ApiException.Conflict(bindingResource, name, ApiException.ModifiedMessage);
            }

            pod.Spec.NodeName = node;
            if (binding.Metadata?.Annotations is { Count: > 0 } annotations)
            {
                pod.Metadata.Annotations ??= new Dictionary<string, string>();
                foreach (var (key, value) in annotations)
                {
                    pod.Metadata.Annotations[key] = value;
                }
            }

            pod.Status ??= new V1PodStatus();
            pod.Status.Conditions ??= [];
            var scheduled = pod.Status.Conditions.FirstOrDefault(c => c.Type == "PodScheduled");
            if (scheduled is null)
            {
                pod.Status.Conditions.Add(new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = _time.GetUtcNow().UtcDateTime });
            }
            else if (scheduled.Status != "True")
            {
                scheduled.Status = "True";
                scheduled.Reason = null;
                scheduled.Message = null;
                scheduled.LastTransitionTime = _time.GetUtcNow().UtcDateTime;
            }

            // Unconditional from here: the checks above ran against the very revision being replaced.
            pod.Metadata.ResourceVersion = null;
            return current;
        }, dryRun, ct).ConfigureAwait(false);

        await HttpIo.WriteJsonAsync(ctx, 201, StatusJson.Write(new V1Status { Kind = "Status", ApiVersion = "v1", Metadata = new V1ListMeta(), Status = "Success", Code = 201 })).ConfigureAwait(false);
    }
}
