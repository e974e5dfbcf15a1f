namespace Skiff.ApiServer.Registry;

/// <summary>Which part of an object an update writes.</summary>
internal enum UpdateKind
{
    /// <summary>The object (spec and metadata); status is kept when there is a status subresource.</summary>
    Main,

    /// <summary>The status subresource: only status changes.</summary>
    Status,

    /// <summary>The namespaces/finalize subresource: only spec.finalizers changes.</summary>
    Finalize,

    /// <summary>The pods/binding subresource: the handler sets spec.nodeName itself, so the strategy's update rules do not apply.</summary>
    Binding,

    /// <summary>The certificatesigningrequests/approval subresource: only the Approved and Denied conditions change.</summary>
    Approval,
}
