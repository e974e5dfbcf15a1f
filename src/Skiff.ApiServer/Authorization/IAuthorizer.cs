namespace Skiff.ApiServer.Authorization;

/// <summary>One authorizer of the chain. Implementations are thread-safe and do no I/O on the request path.</summary>
public interface IAuthorizer
{
    /// <summary>Decides the request; <paramref name="reason"/> explains an Allow or Deny (shown in SubjectAccessReview status).</summary>
    AuthorizationDecision Authorize(AuthorizationAttributes attributes, out string reason);
}
