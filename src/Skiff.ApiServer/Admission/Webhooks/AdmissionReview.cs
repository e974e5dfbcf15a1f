using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>The parts of a webhook's AdmissionReview response the API server acts on.</summary>
internal sealed record AdmissionResponse(bool Allowed, int? Code, string? Message, string? Reason, byte[]? Patch, string? PatchType, IReadOnlyList<string> Warnings);

/// <summary>
/// admission.k8s.io AdmissionReview: the request kube-apiserver sends (v1, or v1beta1 when that is the only version a
/// webhook accepts) and the checks it makes on the answer (same apiVersion and kind, the request's uid, no patch from
/// a validating webhook).
/// </summary>
internal static class AdmissionReview
{
    /// <summary>The review version to send: v1 when the webhook accepts it, else v1beta1.</summary>
    public static string Version(Webhook webhook) =>
        webhook.AdmissionReviewVersions?.Contains("v1") != false ? "admission.k8s.io/v1" : "admission.k8s.io/v1beta1";

    private static JsonObject UserInfo(UserInfo u)
    {
        var user = new JsonObject { ["username"] = u.Name, ["uid"] = u.Uid, ["groups"] = Strings(u.Groups) };
        if (u.Extra.Count > 0)
        {
            user["extra"] = new JsonObject(u.Extra.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)Strings(e.Value))));
        }

        return user;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonObject Request(string apiVersion, string uid, AdmissionAttributes a)
    {
        var info = a.Resource;
        var kind = new JsonObject { ["group"] = info.Group, ["version"] = info.Version, ["kind"] = info.Kind };
        var resource = new JsonObject { ["group"] = info.Group, ["version"] = info.Version, ["resource"] = info.Plural };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
            ["requestKind"] = kind.DeepClone(),
            ["requestResource"] = resource.DeepClone(),
            ["name"] = a.Name,
            ["operation"] = a.Operation.ToString().ToUpperInvariant(),
            ["userInfo"] = a.User is { } u
                ? UserInfo(u)
                : new JsonObject { ["username"] = "system:apiserver", ["groups"] = new JsonArray("system:masters") },
            ["object"] = ObjectJson(a.Object, a),
            ["oldObject"] = ObjectJson(a.OldObject, a),
            ["dryRun"] = a.DryRun,
            ["options"] = Options(a),
        };
        if (a.Subresource is { } sub)
        {
            request["subResource"] = sub;
            request["requestSubResource"] = sub;
        }

        if (!string.IsNullOrEmpty(a.Namespace))
        {
            request["namespace"] = a.Namespace;
        }

        return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = "AdmissionReview", ["request"] = request };
    }

    /// <summary>The object as JSON with its apiVersion and kind (which a request body may have left out).</summary>
    public static JsonNode? ObjectJson(object? obj, AdmissionAttributes a)
    {
        if (obj is null)
        {
            return null;
        }

        var node = JsonNode.Parse(ApiJson.Serialize(obj, obj.GetType()))!.AsObject();
        node["apiVersion"] = a.Resource.ApiVersion;
        node["kind"] = a.Resource.Kind;
        return node;
    }

    private static JsonObject? Options(AdmissionAttributes a)
    {
        if (a.Options is { } options)
        {
            var node = JsonNode.Parse(ApiJson.Serialize(options, options.GetType()))!.AsObject();
            node["apiVersion"] ??= "meta.k8s.io/v1";
            node["kind"] ??= a.Operation == AdmissionOperation.Delete ? "DeleteOptions" : null;
            return node;
        }

        return a.Operation switch
        {
            AdmissionOperation.Create => new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "CreateOptions" },
            AdmissionOperation.Update => new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "UpdateOptions" },
            AdmissionOperation.Delete => new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "DeleteOptions" },
            _ => null,
        };
    }

    /// <summary>Checks and reads a webhook's answer; a malformed one is a <see cref="WebhookCallException"/>.</summary>
    public static AdmissionResponse Parse(JsonNode answer, string apiVersion, string uid, bool mutating)
    {
        var gotVersion = (string?)answer["apiVersion"];
        var gotKind = (string?)answer["kind"];
        if (gotVersion != apiVersion || gotKind != "AdmissionReview")
        {
            throw new WebhookCallException($"expected webhook response of {apiVersion}, Kind=AdmissionReview, got {gotVersion}, Kind={gotKind}");
        }

        if (answer["response"] is not JsonObject response)
        {
            throw new WebhookCallException("webhook response was absent");
        }

        try
        {
            var gotUid = (string?)response["uid"];
            if (gotUid != uid)
            {
                throw new WebhookCallException($"expected response.uid=\"{uid}\", got \"{gotUid}\"");
            }

            var status = response["status"] as JsonObject;
            byte[]? patch = null;
            if ((string?)response["patch"] is { Length: > 0 } p)
            {
                if (!mutating)
                {
                    throw new WebhookCallException("validating webhooks may not return patches");
                }

                patch = Convert.FromBase64String(p);
            }

            return new AdmissionResponse(
                (bool?)response["allowed"] ?? false,
                (int?)status?["code"],
                (string?)status?["message"],
                (string?)status?["reason"],
                patch,
                (string?)response["patchType"],
                (response["warnings"] as JsonArray)?.Select(w => (string?)w ?? "").Where(w => w.Length > 0).ToArray() ?? []);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new WebhookCallException($"received invalid webhook response: {ex.Message}", ex);
        }
    }

    /// <summary>kube-apiserver's ToStatusErr: the denial as a Status error, at least 400.</summary>
    public static Http.ApiException Denied(string webhook, AdmissionResponse r)
    {
        var deniedBy = $"admission webhook \"{webhook}\" denied the request";
        var message = !string.IsNullOrEmpty(r.Message) ? $"{deniedBy}: {r.Message}"
            : !string.IsNullOrEmpty(r.Reason) ? $"{deniedBy}: {r.Reason}"
            : $"{deniedBy} without explanation";
        var code = r.Code is { } c && c >= 400 ? c : 400;
        return new Http.ApiException(code, r.Reason ?? "", message);
    }

    /// <summary>Copies a patched object's fields into the one the registry holds (metadata field by field, so references to it stay valid).</summary>
    public static void CopyInto(object target, object source)
    {
        foreach (var property in target.GetType().GetProperties().Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            if (property.PropertyType == typeof(V1ObjectMeta) && property.GetValue(target) is V1ObjectMeta meta && property.GetValue(source) is V1ObjectMeta newMeta)
            {
                foreach (var m in typeof(V1ObjectMeta).GetProperties().Where(p => p.CanRead && p.CanWrite))
                {
                    m.SetValue(meta, m.GetValue(newMeta));
                }
            }
            else
            {
                property.SetValue(target, property.GetValue(source));
            }
        }
    }

    /// <summary>Labels of a typed object, for selectors.</summary>
    public static IDictionary<string, string>? Labels(object? obj) => (obj as IKubernetesObject<V1ObjectMeta>)?.Metadata?.Labels;
}
