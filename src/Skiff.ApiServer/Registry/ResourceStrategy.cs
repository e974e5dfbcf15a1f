using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry;

/// <summary>How <c>metadata.name</c> of a resource is validated.</summary>
internal enum NameRule
{
    /// <summary>RFC 1123 subdomain: most resources.</summary>
    DnsSubdomain,

    /// <summary>RFC 1123 label: namespaces.</summary>
    DnsLabel,

    /// <summary>RFC 1035 label: services.</summary>
    Dns1035Label,

    /// <summary>Any name usable as a path segment: RBAC objects, events.</summary>
    PathSegment,
}

/// <summary>
/// The questions the generic registry asks about one resource (like kube-apiserver's per-resource
/// strategy.go): defaults, what create and update may change, and validation. Strategies are stateless
/// and do no I/O; validation adds field errors instead of throwing. The registry calls, in order:
/// create: <see cref="Default"/>, <see cref="PrepareForCreate"/>, <see cref="Validate"/>;
/// update: <see cref="Default"/>, <see cref="PrepareForUpdate"/>, <see cref="ValidateUpdate"/>;
/// status update: <see cref="PrepareForStatusUpdate"/>, <see cref="ValidateStatusUpdate"/>.
/// Generic metadata rules (name, labels, annotations, immutable uid/creationTimestamp) are the registry's.
/// One subclass per resource, in <c>Registry/&lt;Group&gt;/&lt;Resource&gt;/</c>; the registry finds it by its model type.
/// </summary>
internal abstract class ResourceStrategy<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The resource this strategy serves; set by the registry when it binds the strategy.</summary>
    public ResourceInfo Info { get; internal set; } = null!;

    /// <summary>Whether the resource has a status subresource (then main updates keep the old status).</summary>
    public bool HasStatusSubresource => Info.Subresources.Contains("status");

    /// <summary>Whether <c>metadata.generation</c> starts at 1 and grows when the spec changes (workloads, policies).</summary>
    public virtual bool TracksGeneration => false;

    /// <summary>Whether PUT of an absent object creates it.</summary>
    public virtual bool AllowCreateOnUpdate => false;

    /// <summary>Whether PUT without <c>metadata.resourceVersion</c> is allowed (last write wins).</summary>
    public virtual bool AllowUnconditionalUpdate => true;

    /// <summary>The rule for <c>metadata.name</c>.</summary>
    public virtual NameRule NameRule => NameRule.DnsSubdomain;

    /// <summary>The Table columns for <c>kubectl get</c>.</summary>
    public virtual TableConvertor<T> Table => DefaultTableConvertor<T>.Instance;

    /// <summary>Fills in defaulted fields, as API defaulting does on every decode of a request body.</summary>
    public virtual void Default(T obj)
    {
    }

    /// <summary>Adjusts a new object before validation (e.g. clears status). The base clears status when there is a status subresource.</summary>
    public virtual void PrepareForCreate(T obj)
    {
        if (HasStatusSubresource)
        {
            ObjectParts<T>.SetStatus(obj, null);
        }
    }

    /// <summary>Checks a new object.</summary>
    public virtual void Validate(T obj, FieldErrors errors)
    {
    }

    /// <summary>Adjusts an updated object (e.g. keeps the old status). The base keeps status when there is a status subresource.</summary>
    public virtual void PrepareForUpdate(T obj, T old)
    {
        if (HasStatusSubresource)
        {
            ObjectParts<T>.SetStatus(obj, ObjectParts<T>.GetStatus(old));
        }
    }

    /// <summary>Checks an update, including immutable fields. The base validates the new object as on create.</summary>
    public virtual void ValidateUpdate(T obj, T old, FieldErrors errors) => Validate(obj, errors);

    /// <summary>Adjusts a status update: the base keeps the old spec (metadata is reset by the registry).</summary>
    public virtual void PrepareForStatusUpdate(T obj, T old) => ObjectParts<T>.SetSpec(obj, ObjectParts<T>.GetSpec(old));

    /// <summary>Checks a status update.</summary>
    public virtual void ValidateStatusUpdate(T obj, T old, FieldErrors errors)
    {
    }

    /// <summary>Adjusts an approval update (certificatesigningrequests/approval); the base keeps the old spec like a status update.</summary>
    public virtual void PrepareForApprovalUpdate(T obj, T old) => ObjectParts<T>.SetSpec(obj, ObjectParts<T>.GetSpec(old));

    /// <summary>Checks an approval update.</summary>
    public virtual void ValidateApprovalUpdate(T obj, T old, FieldErrors errors)
    {
    }

    /// <summary>
    /// Field-selector values of an object besides <c>metadata.name</c> and <c>metadata.namespace</c>
    /// (e.g. <c>spec.nodeName</c>, <c>status.phase</c>). Only the fields Kubernetes supports for the resource.
    /// </summary>
    public virtual IEnumerable<KeyValuePair<string, string>> SelectableFields(T obj) => [];

    /// <summary>Warnings to return to the client for an accepted object (e.g. deprecated fields).</summary>
    public virtual IEnumerable<string> Warnings(T obj) => [];

    /// <summary>
    /// The grace period of a delete request (kube-apiserver's CheckGracefulDelete): null or 0 deletes at once;
    /// a positive value marks the object with deletionTimestamp = now + period and leaves it for its owner
    /// (the kubelet, for pods) to finish. <paramref name="requested"/> is DeleteOptions.gracePeriodSeconds.
    /// </summary>
    public virtual long? DeletionGracePeriod(T obj, long? requested) => null;

    /// <summary>Whether the object must stay after a delete besides metadata.finalizers (namespaces: spec.finalizers).</summary>
    public virtual bool HasSpecFinalizers(T obj) => false;

    /// <summary>Adjusts an object when its deletion starts but it cannot go yet (namespaces: phase Terminating).</summary>
    public virtual void PrepareForDelete(T obj)
    {
    }
}
