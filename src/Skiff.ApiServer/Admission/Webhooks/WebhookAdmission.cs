using System.Text.Json.Nodes;
using Skiff.Api.Patch;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// What both webhook admission plugins share: whether a webhook is called for a request, and one call with the
/// webhook's failurePolicy applied (Fail: the request fails with kube-apiserver's InternalError "failed calling
/// webhook"; Ignore: logged and skipped). Warnings in answers go to the client as Warning headers.
/// </summary>
internal sealed partial class WebhookAdmission(WebhookClient client, RegistryAccess access, ILogger<WebhookAdmission> logger)
{
    /// <summary>Webhooks are never called for webhook configurations themselves, so a broken webhook cannot lock out its own repair.</summary>
    public static bool Exempt(AdmissionAttributes a) =>
        a.Operation == AdmissionOperation.Connect
        || (a.Resource.Group == "admissionregistration.k8s.io" && a.Resource.Plural.EndsWith("webhookconfigurations", StringComparison.Ordinal));

    public bool Matches(Webhook webhook, AdmissionAttributes a) =>
        WebhookRules.MatchesRules(webhook, a)
        && WebhookRules.MatchesNamespace(webhook.NamespaceSelector, a, NamespaceLabels)
        && WebhookRules.MatchesObject(webhook.ObjectSelector, a);

    private IDictionary<string, string>? NamespaceLabels(string ns)
    {
        var namespaces = access.Store<k8s.Models.V1Namespace>();
        return namespaces.Cache.Get(namespaces.Key(null, ns))?.Labels;
    }

    /// <summary>Calls one webhook; for a mutating one applies its patch to the object. Returns whether the object changed.</summary>
    public async Task<bool> CallAsync(Webhook webhook, AdmissionAttributes a, bool mutating, CancellationToken ct)
    {
        var uid = Guid.NewGuid().ToString();
        var version = AdmissionReview.Version(webhook);
        AdmissionResponse response;
        try
        {
            var answer = await client.PostAsync(webhook, AdmissionReview.Request(version, uid, a), ct).ConfigureAwait(false);
            response = AdmissionReview.Parse(answer, version, uid, mutating);
            if (response.Allowed && response.Patch is not null && response.PatchType != "JSONPatch")
            {
                throw new WebhookCallException($"unsupported patch type \"{response.PatchType}\"");
            }
        }
        catch (WebhookCallException ex)
        {
            if (webhook.FailurePolicy == "Ignore")
            {
                Log.Ignored(logger, webhook.Name, a.Resource.GroupResource, a.Namespace ?? "", a.Name, ex.Message);
                return false;
            }

            Log.Failed(logger, webhook.Name, a.Resource.GroupResource, a.Namespace ?? "", a.Name, ex.Message);
            throw ApiException.Internal($"failed calling webhook \"{webhook.Name}\": {ex.Message}");
        }

        foreach (var warning in response.Warnings)
        {
            RequestWarnings.Add(warning);
        }

        if (!response.Allowed)
        {
            throw AdmissionReview.Denied(webhook.Name, response);
        }

        if (!mutating || response.Patch is not { } patch || IsEmptyPatch(patch))
        {
            return false;
        }

        // A DELETE (or any request without an object) has nothing a patch could apply to; kube-apiserver's mutating
        // dispatcher fails the request whatever the failurePolicy, since the webhook answered but asked for the impossible.
        if (a.Object is not { } obj)
        {
            Log.PatchWithoutObject(logger, webhook.Name, a.Operation.ToString().ToUpperInvariant(), a.Resource.GroupResource, a.Namespace ?? "", a.Name);
            throw ApiException.Internal($"admission webhook \"{webhook.Name}\" attempted to modify the object, which is not supported for this operation");
        }

        return Apply(webhook, a, obj, patch);
    }

    /// <summary>Whether a JSONPatch has no operations (<c>[]</c>), which changes nothing and is no attempt to modify.</summary>
    private static bool IsEmptyPatch(byte[] patch)
    {
        try
        {
            return JsonNode.Parse(patch) is JsonArray { Count: 0 };
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private bool Apply(Webhook webhook, AdmissionAttributes a, object obj, byte[] patch)
    {
        var before = AdmissionReview.ObjectJson(obj, a)!;
        JsonNode? patched;
        try
        {
            patched = JsonPatch.Apply(before.DeepClone(), patch);
        }
        catch (PatchException ex)
        {
            throw ApiException.Internal($"failed calling webhook \"{webhook.Name}\": the patch could not be applied: {ex.Message}");
        }

        if (patched is null || JsonNode.DeepEquals(before, patched))
        {
            return false;
        }

        object updated;
        try
        {
            updated = ApiJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(patched.ToJsonString()), obj.GetType());
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw ApiException.Internal($"failed calling webhook \"{webhook.Name}\": the patched object does not decode: {ex.Message}");
        }

        // The patched object is defaulted again, as kube-apiserver decodes (and so defaults) a webhook's result.
        Default(updated);
        AdmissionReview.CopyInto(obj, updated);
        Log.Patched(logger, webhook.Name, a.Resource.GroupResource, a.Namespace ?? "", a.Name);
        return true;
    }

    private void Default(object obj)
    {
        var store = typeof(ResourceRegistry).GetMethod(nameof(ResourceRegistry.Store))!.MakeGenericMethod(obj.GetType()).Invoke(access.Registry, null);
        var strategy = store?.GetType().GetProperty("Strategy")?.GetValue(store);
        strategy?.GetType().GetMethod("Default")?.Invoke(strategy, [obj]);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Webhook {Webhook} failed for {Resource} {Namespace}/{Name} and is ignored (failurePolicy Ignore): {Reason}", EventName = "WebhookIgnored")]
        public static partial void Ignored(ILogger logger, string webhook, string resource, string @namespace, string name, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Webhook {Webhook} failed for {Resource} {Namespace}/{Name}; the request is refused (failurePolicy Fail): {Reason}", EventName = "WebhookFailed")]
        public static partial void Failed(ILogger logger, string webhook, string resource, string @namespace, string name, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Webhook {Webhook} patched {Resource} {Namespace}/{Name}", EventName = "WebhookPatched")]
        public static partial void Patched(ILogger logger, string webhook, string resource, string @namespace, string name);

        [LoggerMessage(4, LogLevel.Warning, "Webhook {Webhook} returned a patch for {Operation} of {Resource} {Namespace}/{Name}, which has no object to patch; the request is refused", EventName = "WebhookPatchWithoutObject")]
        public static partial void PatchWithoutObject(ILogger logger, string webhook, string operation, string resource, string @namespace, string name);
    }
}
