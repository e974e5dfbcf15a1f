using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Resources;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// The create-only review resources kube-apiserver serves without storing anything: SelfSubjectAccessReview and
/// SelfSubjectRulesReview (<c>kubectl auth can-i</c>, <c>can-i --list</c>), SubjectAccessReview and
/// LocalSubjectAccessReview (asking for someone else), and authentication's SelfSubjectReview (<c>kubectl auth whoami</c>).
/// </summary>
internal sealed class AccessReviewHandler(ResourceInfo info, AuthorizerChain authorizer, RbacAuthorizer rbac, ApiServerOptions options) : IResourceHandler
{
    public static readonly IReadOnlyList<ResourceInfo> Resources =
    [
        Review<V1SelfSubjectAccessReview>("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
        Review<V1SelfSubjectRulesReview>("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
        Review<V1SubjectAccessReview>("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false),
        Review<V1LocalSubjectAccessReview>("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
        Review<V1SelfSubjectReview>("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", false),
    ];

    public ResourceInfo Info { get; } = info;

    public WatchCache? Cache => null;

    public IReadOnlyList<string> ServedSubresources => [];

    public async Task HandleAsync(HttpContext ctx, RequestInfo request, CancellationToken ct)
    {
        if (request.Verb != "create" || request.Name is not null)
        {
            throw ApiException.MethodNotSupported(request.Verb, Info.Plural);
        }

        var user = (UserInfo)ctx.Items[typeof(UserInfo)]!;
        var body = ResourceHandler<V1ConfigMap>.TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        object result;
        try
        {
            result = Info.Plural switch
            {
                "selfsubjectaccessreviews" => SelfAccess(ApiJson.Deserialize<V1SelfSubjectAccessReview>(body), user),
                "subjectaccessreviews" => Access(ApiJson.Deserialize<V1SubjectAccessReview>(body)),
                "localsubjectaccessreviews" => LocalAccess(ApiJson.Deserialize<V1LocalSubjectAccessReview>(body), request.Namespace ?? ""),
                "selfsubjectrulesreviews" => Rules(ApiJson.Deserialize<V1SelfSubjectRulesReview>(body), user),
                _ => WhoAmI(user),
            };
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"{Info.Kind} in version \"v1\" cannot be handled as a {Info.Kind}: {e.Message}");
        }

        await HttpIo.WriteJsonAsync(ctx, 201, ApiJson.Serialize(result, result.GetType())).ConfigureAwait(false);
    }

    private V1SelfSubjectAccessReview SelfAccess(V1SelfSubjectAccessReview review, UserInfo user)
    {
        var spec = review.Spec ?? throw Invalid("spec", "must be set");
        review.Status = Decide(user, spec.ResourceAttributes, spec.NonResourceAttributes);
        return Stamp(review);
    }

    private V1SubjectAccessReview Access(V1SubjectAccessReview review)
    {
        var spec = review.Spec ?? throw Invalid("spec", "must be set");
        if (string.IsNullOrEmpty(spec.User) && (spec.Groups is null || spec.Groups.Count == 0))
        {
            throw Invalid("spec.user", "at least one of user or group must be specified");
        }

        review.Status = Decide(new UserInfo(spec.User ?? "", spec.Uid ?? "", spec.Groups?.ToArray() ?? []), spec.ResourceAttributes, spec.NonResourceAttributes);
        return Stamp(review);
    }

    private V1LocalSubjectAccessReview LocalAccess(V1LocalSubjectAccessReview review, string ns)
    {
        var spec = review.Spec ?? throw Invalid("spec", "must be set");
        if (spec.ResourceAttributes is null || spec.ResourceAttributes.NamespaceProperty != ns)
        {
            throw Invalid("spec.resourceAttributes.namespace", "must match metadata.namespace");
        }

        review.Metadata ??= new V1ObjectMeta();
        review.Metadata.NamespaceProperty = ns;
        review.Status = Decide(new UserInfo(spec.User ?? "", spec.Uid ?? "", spec.Groups?.ToArray() ?? []), spec.ResourceAttributes, spec.NonResourceAttributes);
        return Stamp(review);
    }

    private V1SubjectAccessReviewStatus Decide(UserInfo user, V1ResourceAttributes? resource, V1NonResourceAttributes? nonResource)
    {
        if (resource is null == nonResource is null)
        {
            throw Invalid("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        var attributes = resource is not null
            ? new AuthorizationAttributes
            {
                User = user,
                Verb = resource.Verb ?? "",
                IsResourceRequest = true,
                ApiGroup = resource.Group ?? "",
                Resource = resource.Resource ?? "",
                Subresource = resource.Subresource ?? "",
                Namespace = resource.NamespaceProperty ?? "",
                Name = resource.Name ?? "",
            }
            : new AuthorizationAttributes { User = user, Verb = nonResource!.Verb ?? "", Path = nonResource.Path ?? "" };
        var decision = authorizer.Authorize(attributes, out var reason);
        return new V1SubjectAccessReviewStatus
        {
            Allowed = decision == AuthorizationDecision.Allow,
            Denied = decision == AuthorizationDecision.Deny ? true : null,
            Reason = reason.Length > 0 ? reason : null,
        };
    }

    private V1SelfSubjectRulesReview Rules(V1SelfSubjectRulesReview review, UserInfo user)
    {
        var ns = review.Spec?.NamespaceProperty ?? "";
        var rules = rbac.RulesFor(user, ns);
        review.Status = new V1SubjectRulesReviewStatus
        {
            Incomplete = false,
            ResourceRules = rules.Where(r => r.Resources is { Count: > 0 }).Select(r => new V1ResourceRule
            {
                Verbs = r.Verbs, ApiGroups = r.ApiGroups, Resources = r.Resources, ResourceNames = r.ResourceNames,
            }).ToList(),
            NonResourceRules = rules.Where(r => r.NonResourceURLs is { Count: > 0 }).Select(r => new V1NonResourceRule
            {
                Verbs = r.Verbs, NonResourceURLs = r.NonResourceURLs,
            }).ToList(),
        };
        return Stamp(review);
    }

    private V1SelfSubjectReview WhoAmI(UserInfo user) => Stamp(new V1SelfSubjectReview
    {
        Metadata = new V1ObjectMeta(),
        Status = new V1SelfSubjectReviewStatus
        {
            UserInfo = user.ToV1UserInfo(),
        },
    });

    private TReview Stamp<TReview>(TReview review)
        where TReview : k8s.IKubernetesObject<V1ObjectMeta>
    {
        review.ApiVersion = Info.ApiVersion;
        review.Kind = Info.Kind;
        review.Metadata ??= new V1ObjectMeta();
        review.Metadata.CreationTimestamp = null;
        return review;
    }

    private ApiException Invalid(string field, string detail)
    {
        var errors = new Skiff.Api.Validation.FieldErrors();
        errors.Invalid(field, null, detail);
        return ApiException.Invalid(Info, "", errors);
    }

    private static ResourceInfo Review<T>(string group, string plural, string kind, bool namespaced) => new()
    {
        Group = group,
        Version = "v1",
        Kind = kind,
        Plural = plural,
        Singular = plural.TrimEnd('s'),
        Namespaced = namespaced,
        Type = typeof(T),
        ListType = typeof(T),
        Verbs = ["create"],
        Virtual = true,
    };
}
