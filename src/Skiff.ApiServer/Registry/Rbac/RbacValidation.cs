using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Rbac;

/// <summary>
/// Rules shared by the rbac.authorization.k8s.io/v1 resources (pkg/apis/rbac/validation and v1 defaults):
/// policy rules, role references and subjects.
/// </summary>
internal static class RbacValidation
{
    public const string GroupName = "rbac.authorization.k8s.io";

    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    /// <summary>ValidatePolicyRule for each rule.</summary>
    public static void Rules(IList<V1PolicyRule>? rules, bool namespaced, FieldErrors errors)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var rule = rules![i];
            var p = $"rules[{i}]";
            if ((rule.Verbs?.Count ?? 0) == 0)
            {
                errors.Required(p + ".verbs", "verbs must contain at least one value");
            }

            if ((rule.NonResourceURLs?.Count ?? 0) > 0)
            {
                if (namespaced)
                {
                    errors.Invalid(p + ".nonResourceURLs", GoValue.StringSlice(rule.NonResourceURLs), "namespaced rules cannot apply to non-resource URLs");
                }

                if ((rule.ApiGroups?.Count ?? 0) > 0 || (rule.Resources?.Count ?? 0) > 0 || (rule.ResourceNames?.Count ?? 0) > 0)
                {
                    errors.Invalid(p + ".nonResourceURLs", GoValue.StringSlice(rule.NonResourceURLs), "rules cannot apply to both regular resources and non-resource URLs");
                }

                continue;
            }

            if ((rule.ApiGroups?.Count ?? 0) == 0)
            {
                errors.Required(p + ".apiGroups", "resource rules must supply at least one api group");
            }

            if ((rule.Resources?.Count ?? 0) == 0)
            {
                errors.Required(p + ".resources", "resource rules must supply at least one resource");
            }
        }
    }

    /// <summary>SetDefaults_RoleBinding / SetDefaults_Subject: the RBAC group for role refs, users and groups.</summary>
    public static void DefaultBinding(V1RoleRef? roleRef, IList<Rbacv1Subject>? subjects)
    {
        if (roleRef is not null && string.IsNullOrEmpty(roleRef.ApiGroup))
        {
            roleRef.ApiGroup = GroupName;
        }

        foreach (var s in subjects ?? [])
        {
            if (string.IsNullOrEmpty(s.ApiGroup))
            {
                s.ApiGroup = s.Kind is "User" or "Group" ? GroupName : s.Kind == "ServiceAccount" ? "" : s.ApiGroup;
            }
        }
    }

    /// <summary>The role-ref checks of ValidateRoleBinding / ValidateClusterRoleBinding.</summary>
    public static void RoleRef(V1RoleRef? roleRef, string[] kinds, FieldErrors errors)
    {
        roleRef ??= new V1RoleRef();
        if (roleRef.ApiGroup != GroupName)
        {
            errors.NotSupported("roleRef.apiGroup", roleRef.ApiGroup ?? "", [GroupName]);
        }

        if (!kinds.Contains(roleRef.Kind))
        {
            errors.NotSupported("roleRef.kind", roleRef.Kind ?? "", kinds);
        }

        if (string.IsNullOrEmpty(roleRef.Name))
        {
            errors.Required("roleRef.name");
        }
        else
        {
            foreach (var msg in Skiff.Api.Validation.NameRules.PathSegmentName(roleRef.Name))
            {
                errors.Invalid("roleRef.name", roleRef.Name, msg);
            }
        }
    }

    /// <summary>ValidateRoleBindingSubject for each subject.</summary>
    public static void Subjects(IList<Rbacv1Subject>? subjects, bool namespaced, FieldErrors errors)
    {
        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var s = subjects![i];
            var p = $"subjects[{i}]";
            if (string.IsNullOrEmpty(s.Name))
            {
                errors.Required(p + ".name");
            }

            switch (s.Kind)
            {
                case "ServiceAccount":
                    if (!string.IsNullOrEmpty(s.Name))
                    {
                        FieldRules.DnsSubdomain(s.Name, p + ".name", errors);
                    }

                    if (!string.IsNullOrEmpty(s.ApiGroup))
                    {
                        errors.NotSupported(p + ".apiGroup", s.ApiGroup, [""]);
                    }

                    if (!namespaced && string.IsNullOrEmpty(s.NamespaceProperty))
                    {
                        errors.Required(p + ".namespace");
                    }

                    break;
                case "User" or "Group":
                    if (s.ApiGroup != GroupName)
                    {
                        errors.NotSupported(p + ".apiGroup", s.ApiGroup ?? "", [GroupName]);
                    }

                    break;
                default:
                    errors.NotSupported(p + ".kind", s.Kind ?? "", SubjectKinds);
                    break;
            }
        }
    }

    /// <summary>ValidateRoleBindingUpdate: the role a binding grants never changes.</summary>
    public static void RoleRefUnchanged(V1RoleRef? roleRef, V1RoleRef? old, FieldErrors errors)
    {
        if (roleRef?.ApiGroup != old?.ApiGroup || roleRef?.Kind != old?.Kind || roleRef?.Name != old?.Name)
        {
            errors.Invalid("roleRef", GoValue.Raw($"rbac.RoleRef{{APIGroup:\"{roleRef?.ApiGroup}\", Kind:\"{roleRef?.Kind}\", Name:\"{roleRef?.Name}\"}}"), "cannot change roleRef");
        }
    }
}
