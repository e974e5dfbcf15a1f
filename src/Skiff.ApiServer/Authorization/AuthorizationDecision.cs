namespace Skiff.ApiServer.Authorization;

/// <summary>An authorizer's answer; NoOpinion lets the next authorizer decide (Kubernetes' union authorizer).</summary>
public enum AuthorizationDecision
{
    NoOpinion,
    Allow,
    Deny,
}
