using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.LimitRanges;

/// <summary>
/// LimitRanges, after SetDefaults_LimitRangeItem and ValidateLimitRange: container limits default from
/// max, default requests from defaults and min; each type appears once; min &lt;= default request &lt;=
/// default &lt;= max for every resource.
/// </summary>
internal sealed class LimitRangeStrategy : ResourceStrategy<V1LimitRange>
{
    private static readonly string[] Types = ["Container", "PersistentVolumeClaim", "Pod"];

    public override void Default(V1LimitRange obj)
    {
        foreach (var item in obj.Spec?.Limits ?? [])
        {
            if (item.Type != "Container")
            {
                continue;
            }

            item.DefaultProperty ??= new Dictionary<string, ResourceQuantity>();
            item.DefaultRequest ??= new Dictionary<string, ResourceQuantity>();
            foreach (var (k, v) in item.Max ?? new Dictionary<string, ResourceQuantity>())
            {
                item.DefaultProperty.TryAdd(k, Copy(v));
            }

            foreach (var (k, v) in item.DefaultProperty)
            {
                item.DefaultRequest.TryAdd(k, Copy(v));
            }

            foreach (var (k, v) in item.Min ?? new Dictionary<string, ResourceQuantity>())
            {
                item.DefaultRequest.TryAdd(k, Copy(v));
            }
        }
    }

    public override void Validate(V1LimitRange obj, FieldErrors errors)
    {
        var types = new HashSet<string>();
        var limits = obj.Spec?.Limits ?? [];
        for (var i = 0; i < limits.Count; i++)
        {
            var item = limits[i];
            var p = $"spec.limits[{i}]";
            if (string.IsNullOrEmpty(item.Type))
            {
                errors.Required($"{p}.type");
            }
            else if (!types.Add(item.Type))
            {
                errors.Duplicate($"{p}.type", item.Type);
            }

            if (item.Type == "Pod")
            {
                if (item.DefaultProperty is { Count: > 0 })
                {
                    errors.Forbidden($"{p}.default", "may not be specified when `type` is 'Pod'");
                }

                if (item.DefaultRequest is { Count: > 0 })
                {
                    errors.Forbidden($"{p}.defaultRequest", "may not be specified when `type` is 'Pod'");
                }
            }

            var empty = new Dictionary<string, ResourceQuantity>();
            var max = item.Max ?? empty;
            var min = item.Min ?? empty;
            var @default = item.DefaultProperty ?? empty;
            var defaultRequest = item.DefaultRequest ?? empty;
            FieldRules.ResourceList(max, $"{p}.max", errors);
            FieldRules.ResourceList(min, $"{p}.min", errors);
            FieldRules.ResourceList(@default, $"{p}.default", errors);
            FieldRules.ResourceList(defaultRequest, $"{p}.defaultRequest", errors);
            FieldRules.ResourceList(item.MaxLimitRequestRatio, $"{p}.maxLimitRequestRatio", errors);

            foreach (var k in max.Keys.Union(min.Keys).Union(@default.Keys).Union(defaultRequest.Keys))
            {
                var hasMax = max.TryGetValue(k, out var mx);
                var hasMin = min.TryGetValue(k, out var mn);
                var hasDefault = @default.TryGetValue(k, out var df);
                var hasRequest = defaultRequest.TryGetValue(k, out var dr);
                if (hasMin && hasMax && mn!.ToDecimal() > mx!.ToDecimal())
                {
                    errors.Invalid($"{p}.min[{k}]", mn.ToString(), $"min value {mn} is greater than max value {mx}");
                }

                if (hasRequest && hasMin && mn!.ToDecimal() > dr!.ToDecimal())
                {
                    errors.Invalid($"{p}.defaultRequest[{k}]", dr.ToString(), $"min value {mn} is greater than default request value {dr}");
                }

                if (hasRequest && hasMax && dr!.ToDecimal() > mx!.ToDecimal())
                {
                    errors.Invalid($"{p}.defaultRequest[{k}]", dr.ToString(), $"default request value {dr} is greater than max value {mx}");
                }

                if (hasRequest && hasDefault && dr!.ToDecimal() > df!.ToDecimal())
                {
                    errors.Invalid($"{p}.defaultRequest[{k}]", dr.ToString(), $"default request value {dr} is greater than default limit value {df}");
                }

                if (hasDefault && hasMin && mn!.ToDecimal() > df!.ToDecimal())
                {
                    errors.Invalid($"{p}.default[{k}]", mn.ToString(), $"min value {mn} is greater than default value {df}");
                }

                if (hasDefault && hasMax && df!.ToDecimal() > mx!.ToDecimal())
                {
                    errors.Invalid($"{p}.default[{k}]", mx.ToString(), $"default value {df} is greater than max value {mx}");
                }
            }

            foreach (var (k, ratio) in item.MaxLimitRequestRatio ?? empty)
            {
                if (ratio.ToDecimal() < 1)
                {
                    errors.Invalid($"{p}.maxLimitRequestRatio[{k}]", ratio.ToString(), $"ratio {ratio} is less than 1");
                }
            }
        }
    }

    private static ResourceQuantity Copy(ResourceQuantity q) => new(q.ToString());
}
