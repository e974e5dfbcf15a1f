using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Resources;
using Skiff.ApiServer.Authentication.ServiceAccounts;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Authentication;

/// <summary>
/// authentication.k8s.io/v1 TokenReview, create-only and never stored (kube-apiserver's TokenReview REST): a
/// component asks whether a bearer token is valid for the audiences it names and who it belongs to. Service-account
/// JWTs and the static token file are checked; the answer is in <c>status</c>, never an error for a bad token.
/// </summary>
internal sealed class TokenReviewHandler(ServiceAccountTokenValidator validator, ApiServerOptions options) : IResourceHandler
{
    public static readonly ResourceInfo Resource = new()
    {
        Group = "authentication.k8s.io",
        Version = "v1",
        Kind = "TokenReview",
        Plural = "tokenreviews",
        Singular = "tokenreview",
        Namespaced = false,
        Type = typeof(V1TokenReview),
        ListType = typeof(V1TokenReview),
        Verbs = ["create"],
        Virtual = true,
    };

    public ResourceInfo Info => Resource;

    public WatchCache? Cache => null;

    public IReadOnlyList<string> ServedSubresources => [];

    public async Task HandleAsync(HttpContext ctx, RequestInfo request, CancellationToken ct)
    {
        if (request.Verb != "create" || request.Name is not null)
        {
            throw ApiException.MethodNotSupported(request.Verb, Info.Plural);
        }

        var body = ResourceHandler<V1ConfigMap>.TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        V1TokenReview review;
        try
        {
            review = ApiJson.Deserialize<V1TokenReview>(body);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"TokenReview in version \"v1\" cannot be handled as a TokenReview: {e.Message}");
        }

        var result = Review(review);
        await HttpIo.WriteJsonAsync(ctx, 201, ApiJson.Serialize(result, typeof(V1TokenReview))).ConfigureAwait(false);
    }

    /// <summary>Fills in the review's status.</summary>
    internal V1TokenReview Review(V1TokenReview review)
    {
        var token = review.Spec?.Token;
        if (string.IsNullOrEmpty(token))
        {
            var errors = new Skiff.Api.Validation.FieldErrors();
            errors.Required("spec.token", "");
            throw new ApiException(422, "Invalid", $"TokenReview.authentication.k8s.io \"\" is invalid: {errors.Aggregate()}",
                new V1StatusDetails { Group = "authentication.k8s.io", Kind = "TokenReview", Causes = [new V1StatusCause { Reason = "FieldValueRequired", Message = "Required value", Field = "spec.token" }] });
        }

        var audiences = review.Spec!.Audiences is { Count: > 0 } a ? a.ToList() : null;
        review.ApiVersion = "authentication.k8s.io/v1";
        review.Kind = "TokenReview";
        review.Metadata ??= new V1ObjectMeta();
        if (options.Tokens.TryGetValue(token, out var tokenUser))
        {
            // Static tokens carry no audience; kube-apiserver treats them as valid for the API server's audiences only.
            var apiAudiences = validator.ApiAudiences;
            var ok = audiences is null || audiences.Any(apiAudiences.Contains);
            review.Status = ok
                ? new V1TokenReviewStatus { Authenticated = true, Audiences = [.. audiences ?? apiAudiences], User = (tokenUser with { Groups = [.. tokenUser.Groups.Append("system:authenticated").Distinct()] }).ToV1UserInfo() }
                : new V1TokenReviewStatus { Authenticated = false, Error = "[invalid bearer token, token lookup failed]" };
            return review;
        }

        var result = ServiceAccountTokenCodec.LooksLikeJwt(token) ? validator.Validate(token, audiences) : TokenValidation.Fail("invalid bearer token");
        review.Status = result.User is { } user
            ? new V1TokenReviewStatus
            {
                Authenticated = true,
                Audiences = [.. result.Audiences],
                User = user.ToV1UserInfo(),
            }
            : new V1TokenReviewStatus { Authenticated = false, Error = $"[{result.Error}]" };
        return review;
    }
}
