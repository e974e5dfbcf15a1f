using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.ManagedFields;
using Skiff.Api.Schema;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>managedFields bookkeeping on every write path (create, update, patch, apply, scale), as kube-apiserver's fieldmanager does.</summary>
internal sealed partial class ResourceHandler<T>
{
    private const int FieldManagerMaxLength = 128;

    private ModelSchema ExternalSchema => ModelSchema.Of(_conv.ExternalType);

    /// <summary>
    /// The manager of a write: the fieldManager parameter, or else the User-Agent up to its first '/' (kube-apiserver's
    /// prefixFromUserAgent), so "kubectl/v1.33.0 (linux/amd64)" becomes "kubectl".
    /// </summary>
    private static string ManagerOf(HttpContext ctx, string optionsKind, bool required)
    {
        var manager = Query(ctx, "fieldManager");
        if (!string.IsNullOrEmpty(manager))
        {
            var errors = new FieldErrors();
            if (manager.Length > FieldManagerMaxLength)
            {
                errors.TooLong("fieldManager", FieldManagerMaxLength);
            }
            else if (manager.Any(char.IsControl))
            {
                errors.Invalid("fieldManager", manager, "must only contain printable characters");
            }

            if (errors.Count > 0)
            {
                throw OptionsInvalid(optionsKind, errors);
            }

            return manager;
        }

        if (required)
        {
            var errors = new FieldErrors();
            errors.Required("fieldManager", "is required for apply patch");
            throw OptionsInvalid(optionsKind, errors);
        }

        var agent = ctx.Request.Headers.UserAgent.ToString().Split('/')[0];
        var printable = new string(agent.Where(c => !char.IsControl(c)).ToArray());
        return printable.Length > FieldManagerMaxLength ? printable[..FieldManagerMaxLength] : printable;
    }

    private static ApiException OptionsInvalid(string kind, FieldErrors errors) => new(422, "Invalid", $"{kind}.meta.k8s.io \"\" is invalid: {errors.Aggregate()}",
        new V1StatusDetails { Group = "meta.k8s.io", Kind = kind, Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList() });

    private FieldManagerRequest ManagerRequest(HttpContext ctx, string manager, string? subresource)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new FieldManagerRequest
        {
            Manager = manager,
            ApiVersion = Info.ApiVersion,
            Subresource = subresource,
            Now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc),
            Filter = ResetFields(subresource),
        };
    }

    /// <summary>The fields a write to <paramref name="subresource"/> can own; the rest the registry resets (kube-apiserver's GetResetFields).</summary>
    private Func<FieldSet, FieldSet>? ResetFields(string? subresource)
    {
        switch (subresource)
        {
            case "status":
            case "approval":
                return set => Only(set, "f:status");
            case "scale":
                return set =>
                {
                    var result = new FieldSet();
                    if (set.Find("f:spec")?.Find("f:replicas") is { IsEmpty: false } replicas)
                    {
                        result.Child("f:spec").Child("f:replicas").UnionWith(replicas);
                    }

                    return result;
                };
            default:
                if (!_store.Strategy.HasStatusSubresource)
                {
                    return null;
                }

                return set =>
                {
                    var result = set.Clone();
                    result.RemoveChild("f:status");
                    return result;
                };
        }

        static FieldSet Only(FieldSet set, string element)
        {
            var result = new FieldSet();
            if (set.Find(element) is { IsEmpty: false } child)
            {
                result.Child(element).UnionWith(child);
            }

            return result;
        }
    }

    /// <summary>
    /// Records a non-apply write in <paramref name="next"/>'s managedFields. The new object is compared after
    /// defaulting, as kube-apiserver compares decoded (defaulted) objects, so the writer owns the defaults it caused.
    /// </summary>
    private void TrackWrite(HttpContext ctx, T? old, T next, string? subresource)
    {
        var manager = ManagerOf(ctx, old is null ? "CreateOptions" : "UpdateOptions", required: false);
        var liveJson = old is null ? null : JsonNode.Parse(_conv.Encode(old));
        TrackWrite(ctx, liveJson, old?.Metadata?.ManagedFields, next, subresource, manager);
    }

    private void TrackWrite(HttpContext ctx, JsonNode? liveJson, IList<V1ManagedFieldsEntry>? liveManaged, T next, string? subresource, string manager)
    {
        var defaulted = ApiJson.Deserialize<T>(ApiJson.Serialize(next));
        if (subresource is null)
        {
            _store.Strategy.Default(defaulted);
        }

        var nextJson = JsonNode.Parse(_conv.Encode(defaulted))!;
        next.Metadata ??= new V1ObjectMeta();
        next.Metadata.ManagedFields = FieldManager.Update(liveManaged, next.Metadata.ManagedFields, liveJson, nextJson, ExternalSchema,
            ManagerRequest(ctx, manager, subresource));
    }
}
