using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Core.Events;

/// <summary>
/// core/v1 Events, after pkg/registry/core/event/strategy.go and the legacy event validation that every
/// v1 event must pass: old-style events (no eventTime) must match their involved object's namespace;
/// new-style events need reportingComponent, reportingInstance, action and reason. Event names are only
/// path segments: v1 validation never checked them further, and recorders' names are not DNS names.
/// </summary>
internal sealed class EventStrategy : ResourceStrategy<Corev1Event>
{
    public const int ReasonLimit = 128;
    public const int ActionLimit = 128;
    public const int ReportingInstanceLimit = 128;
    public const int MessageLimit = 1024;

    public override NameRule NameRule => NameRule.PathSegment;

    public override TableConvertor<Corev1Event> Table => EventTable.Instance;

    public override bool AllowUnconditionalUpdate => true;

    public override void Validate(Corev1Event obj, FieldErrors errors)
    {
        var ns = obj.Metadata.NamespaceProperty ?? "";
        var involvedNs = obj.InvolvedObject?.NamespaceProperty ?? "";
        if (obj.EventTime is null)
        {
            if (involvedNs.Length == 0 ? ns is not ("" or "default") : ns != involvedNs)
            {
                errors.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
            }
        }
        else
        {
            if (involvedNs.Length == 0 && ns is not ("default" or "kube-system"))
            {
                errors.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
            }

            var controller = obj.ReportingComponent ?? "";
            if (controller.Length == 0)
            {
                errors.Required("reportingComponent");
            }

            foreach (var msg in NameRules.QualifiedName(controller))
            {
                errors.Invalid("reportingComponent", controller, msg);
            }

            Limited(obj.ReportingInstance, "reportingInstance", ReportingInstanceLimit, required: true, errors);
            Limited(obj.Action, "action", ActionLimit, required: true, errors);
            Limited(obj.Reason, "reason", ReasonLimit, required: true, errors);
            Limited(obj.Message, "message", MessageLimit, required: false, errors);
        }

        foreach (var msg in NameRules.DnsSubdomain(ns))
        {
            errors.Invalid("namespace", ns, msg);
        }
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(Corev1Event obj)
    {
        var involved = obj.InvolvedObject ?? new V1ObjectReference();
        yield return new("involvedObject.kind", involved.Kind ?? "");
        yield return new("involvedObject.namespace", involved.NamespaceProperty ?? "");
        yield return new("involvedObject.name", involved.Name ?? "");
        yield return new("involvedObject.uid", involved.Uid ?? "");
        yield return new("involvedObject.apiVersion", involved.ApiVersion ?? "");
        yield return new("involvedObject.resourceVersion", involved.ResourceVersion ?? "");
        yield return new("involvedObject.fieldPath", involved.FieldPath ?? "");
        yield return new("reason", obj.Reason ?? "");
        yield return new("reportingComponent", obj.ReportingComponent ?? "");
        yield return new("source", obj.Source?.Component ?? "");
        yield return new("type", obj.Type ?? "");
    }

    private static void Limited(string? value, string field, int limit, bool required, FieldErrors errors)
    {
        if (required && string.IsNullOrEmpty(value))
        {
            errors.Required(field);
        }

        if (value is not null && value.Length > limit)
        {
            errors.Invalid(field, "", $"can have at most {limit} characters");
        }
    }
}
