using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.ManagedFields;
using Skiff.Api.Patch;
using Skiff.Api.Serialization;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>PATCH: JSON patch, merge patch, strategic merge patch and server-side apply, on the object and its status.</summary>
internal sealed partial class ResourceHandler<T>
{
    private const string JsonPatchType = "application/json-patch+json";
    private const string MergePatchType = "application/merge-patch+json";
    private const string StrategicPatchType = "application/strategic-merge-patch+json";
    private const string ApplyPatchType = "application/apply-patch+yaml";

    private static ApiException UnsupportedPatchType(string contentType) => new(415, "UnsupportedMediaType",
        $"the body of the request was in an unknown format - accepted media types include: {JsonPatchType}, {MergePatchType}, {StrategicPatchType}, {ApplyPatchType} (got {contentType})");

    private static string PatchContentType(HttpContext ctx) => (ctx.Request.ContentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>Reads the force parameter; kube-apiserver forbids it on anything but apply.</summary>
    private static bool Force(HttpContext ctx, bool apply)
    {
        var value = Query(ctx, "force");
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (!apply)
        {
            var errors = new Skiff.Api.Validation.FieldErrors();
            errors.Forbidden("force", "may not be specified for non-apply patch");
            throw OptionsInvalid("PatchOptions", errors);
        }

        return value == "true";
    }

    private static ApiException PatchFailed(PatchException e) =>
        e.Unprocessable ? new ApiException(422, "Invalid", e.Message) : ApiException.BadRequest(e.Message);

    private async Task PatchAsync(HttpContext ctx, string? ns, string name, UpdateKind kind, CancellationToken ct)
    {
        var dryRun = DryRun(ctx);
        var contentType = PatchContentType(ctx);
        var patch = await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false);
        var subresource = kind switch { UpdateKind.Status => "status", UpdateKind.Approval => "approval", _ => null };
        if (contentType == ApplyPatchType)
        {
            await ApplyAsync(ctx, ns, name, kind, patch, dryRun, ct).ConfigureAwait(false);
            return;
        }

        var schema = ExternalSchema;
        Func<JsonNode?, JsonNode?> apply = contentType switch
        {
            MergePatchType => doc => JsonMergePatch.Apply(doc, patch),
            JsonPatchType => doc => JsonPatch.Apply(doc, patch),
            StrategicPatchType => doc => StrategicMergePatch.Apply(doc, patch, schema),
            _ => throw UnsupportedPatchType(contentType),
        };

        Force(ctx, apply: false);
        var manager = ManagerOf(ctx, "PatchOptions", required: false);
        var mode = ParseFieldValidation(ctx);
        var result = await _store.UpdateAsync(ns, name, kind, current =>
        {
            if (current is null)
            {
                throw ApiException.NotFound(Info, name);
            }

            var liveJson = JsonNode.Parse(_conv.Encode(current));
            JsonNode? patched;
            try
            {
                patched = apply(liveJson?.DeepClone());
            }
            catch (PatchException e)
            {
                throw PatchFailed(e);
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(patched);
            CheckFields(ctx, bytes, mode);
            var obj = DecodeJson(bytes);
            TrackWrite(ctx, liveJson, current.Metadata?.ManagedFields, obj, subresource, manager);
            return obj;
        }, dryRun, ct).ConfigureAwait(false);
        AddStrategyWarnings(ctx, result.Object);
        await HttpIo.WriteJsonAsync(ctx, 200, _conv.Encode(result.Object)).ConfigureAwait(false);
    }

    /// <summary>
    /// Server-side apply (PATCH with application/apply-patch+yaml): merges the applied configuration into the object
    /// with field ownership, answering 409 with the conflicting managers and fields unless force is set, and
    /// creating the object when it does not exist (kube-apiserver applies with forceAllowCreate).
    /// </summary>
    private async Task ApplyAsync(HttpContext ctx, string? ns, string name, UpdateKind kind, byte[] body, bool dryRun, CancellationToken ct)
    {
        var force = Force(ctx, apply: true);
        var manager = ManagerOf(ctx, "PatchOptions", required: true);
        var config = ParseApplyConfiguration(body);
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        CheckFields(ctx, configBytes, ParseFieldValidation(ctx));
        var subresource = kind switch { UpdateKind.Status => "status", UpdateKind.Approval => "approval", _ => null };
        var schema = ExternalSchema;

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await _store.UpdateAsync(ns, name, kind, current =>
                {
                    if (current is null)
                    {
                        throw new ApplyTargetMissingException();
                    }

                    var liveJson = JsonNode.Parse(_conv.Encode(current));
                    return ApplyTo(liveJson, current.Metadata?.ManagedFields, config, schema, ctx, manager, subresource, force);
                }, dryRun, ct).ConfigureAwait(false);
                AddStrategyWarnings(ctx, result.Object);
                await HttpIo.WriteJsonAsync(ctx, result.Created ? 201 : 200, _conv.Encode(result.Object)).ConfigureAwait(false);
                return;
            }
            catch (ApplyTargetMissingException) when (kind == UpdateKind.Main)
            {
                var obj = ApplyTo(null, null, config, schema, ctx, manager, subresource, force);
                try
                {
                    var created = await _store.CreateAsync(ns, obj, dryRun, ct).ConfigureAwait(false);
                    AddStrategyWarnings(ctx, created);
                    await HttpIo.WriteJsonAsync(ctx, 201, _conv.Encode(created)).ConfigureAwait(false);
                    return;
                }
                catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists" && attempt < 3)
                {
                    // Created concurrently: apply again, now as an update of what the other writer created.
                }
            }
            catch (ApplyTargetMissingException)
            {
                throw ApiException.NotFound(Info, name);
            }
        }
    }

    private T ApplyTo(JsonNode? liveJson, IList<V1ManagedFieldsEntry>? liveManaged, JsonObject config, Skiff.Api.Schema.ModelSchema schema,
        HttpContext ctx, string manager, string? subresource, bool force)
    {
        ApplyResult applied;
        try
        {
            applied = FieldManager.Apply(liveManaged, liveJson, config, schema, ManagerRequest(ctx, manager, subresource), force);
        }
        catch (ApplyConflictException e)
        {
            throw new ApiException(409, "Conflict", e.Message, new V1StatusDetails
            {
                Causes = e.Conflicts.Select(c => new V1StatusCause { Reason = "FieldManagerConflict", Message = $"conflict with {c.Manager}", Field = c.Path }).ToList(),
            });
        }

        var obj = DecodeJson(JsonSerializer.SerializeToUtf8Bytes(applied.Object));
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.ManagedFields = applied.ManagedFields;
        return obj;
    }

    /// <summary>Reads an apply body: YAML or JSON, one object naming this resource's apiVersion and kind, without managedFields.</summary>
    private JsonObject ParseApplyConfiguration(byte[] body)
    {
        JsonNode? node;
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(body).TrimStart();
            node = text.StartsWith('{') ? JsonNode.Parse(text) : JsonNode.Parse(YamlToJson.Convert(text));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw ApiException.BadRequest($"error decoding YAML: {e.Message}");
        }

        if (node is not JsonObject config)
        {
            throw ApiException.BadRequest("error decoding YAML: the apply configuration must be an object");
        }

        var apiVersion = (config["apiVersion"] as JsonValue)?.TryGetValue<string>(out var v) == true ? v : null;
        var kind = (config["kind"] as JsonValue)?.TryGetValue<string>(out var k) == true ? k : null;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            throw ApiException.BadRequest("invalid object type: apiVersion and kind must be set in an apply configuration");
        }

        if (apiVersion != Info.ApiVersion)
        {
            throw ApiException.BadRequest($"Incorrect version specified in apply patch. Specified patch version: {apiVersion}, expected: {Info.ApiVersion}");
        }

        if (kind != Info.Kind)
        {
            throw ApiException.BadRequest($"Incorrect kind specified in apply patch. Specified patch kind: {kind}, expected: {Info.Kind}");
        }

        if (config["metadata"] is JsonObject meta && meta.ContainsKey("managedFields") && meta["managedFields"] is not null)
        {
            throw ApiException.BadRequest("metadata.managedFields must be nil");
        }

        return config;
    }

    /// <summary>Signals from inside the store's update callback that apply must create the object instead.</summary>
    private sealed class ApplyTargetMissingException : Exception;
}
