using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Configuration;

/// <summary>
/// The scheduler configuration file in KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) shape:
/// percentageOfNodesToScore and profiles with plugins (multiPoint and each extension point, enabled/disabled,
/// score weights) and pluginConfig (NodeResourcesFit scoringStrategy.type, InterPodAffinity
/// hardPodAffinityWeight, PodTopologySpread defaultConstraints/defaultingType). Fields Skiff does not implement
/// are ignored, as unknown fields are for a lenient decode; what it reads is validated with field paths.
/// </summary>
internal sealed class SchedulerConfiguration
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    /// <summary>0 or unset: adaptive (50% minus 1% per 125 nodes, at least 5%).</summary>
    public int? PercentageOfNodesToScore { get; set; }

    public List<ProfileConfiguration> Profiles { get; set; } = [];

    /// <summary>The only apiVersion accepted (kube-scheduler's v1 config API).</summary>
    public const string ApiVersionV1 = "kubescheduler.config.k8s.io/v1";

    /// <summary>Reads a configuration from JSON or YAML text; malformed text is an <see cref="ArgumentException"/>.</summary>
    public static SchedulerConfiguration Parse(string text)
    {
        SchedulerConfiguration? config;
        try
        {
            var json = text.TrimStart().StartsWith('{') ? text : YamlToJson(text);
            config = JsonSerializer.Deserialize<SchedulerConfiguration>(json, JsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException or NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException($"scheduler configuration: cannot decode: {ex.Message}", ex);
        }

        config ??= new SchedulerConfiguration();
        if (config.Kind is { } kind && kind != "KubeSchedulerConfiguration")
        {
            throw new ArgumentException($"scheduler configuration: kind: Unsupported value: \"{kind}\": supported values: \"KubeSchedulerConfiguration\"");
        }

        return config;
    }

    /// <summary>Reads and validates a configuration file, as kube-scheduler's --config does; errors name the file and the field.</summary>
    public static SchedulerConfiguration Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"scheduler configuration {path}: {ex.Message}", ex);
        }

        try
        {
            var config = Parse(text);
            var errors = config.Validate();
            if (errors.Count > 0)
            {
                throw new ArgumentException("invalid scheduler configuration: " + string.Join("; ", errors));
            }

            return config;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Field errors in kube-scheduler's validation form ("profiles[1].schedulerName: Duplicate value: ..."):
    /// apiVersion, percentageOfNodesToScore, scheduler names, plugin names at each extension point, and the
    /// plugin arguments Skiff reads.
    /// </summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        if (ApiVersion is not null && ApiVersion != ApiVersionV1)
        {
            errors.Add($"apiVersion: Unsupported value: \"{ApiVersion}\": supported values: \"{ApiVersionV1}\"");
        }

        if (PercentageOfNodesToScore is < 0 or > 100)
        {
            errors.Add($"percentageOfNodesToScore: Invalid value: {PercentageOfNodesToScore}: not in valid range [0-100]");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Profiles.Count; i++)
        {
            var p = Profiles[i];
            var path = $"profiles[{i}]";
            if (string.IsNullOrEmpty(p.SchedulerName))
            {
                errors.Add($"{path}.schedulerName: Required value");
            }
            else if (!names.Add(p.SchedulerName))
            {
                errors.Add($"{path}.schedulerName: Duplicate value: \"{p.SchedulerName}\"");
            }

            foreach (var (point, set) in PluginSets(p.Plugins))
            {
                for (var j = 0; j < set.Enabled.Count; j++)
                {
                    if (!PluginRegistry.Factories.ContainsKey(set.Enabled[j].Name))
                    {
                        errors.Add($"{path}.plugins.{point}.enabled[{j}].name: Invalid value: \"{set.Enabled[j].Name}\": no such plugin");
                    }

                    if (set.Enabled[j].Weight is < 0 or > 100)
                    {
                        errors.Add($"{path}.plugins.{point}.enabled[{j}].weight: Invalid value: {set.Enabled[j].Weight}: not in valid range [0-100]");
                    }
                }

                for (var j = 0; j < set.Disabled.Count; j++)
                {
                    if (set.Disabled[j].Name != "*" && !PluginRegistry.Factories.ContainsKey(set.Disabled[j].Name))
                    {
                        errors.Add($"{path}.plugins.{point}.disabled[{j}].name: Invalid value: \"{set.Disabled[j].Name}\": no such plugin");
                    }
                }
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < p.PluginConfig.Count; j++)
            {
                var entry = p.PluginConfig[j];
                var entryPath = $"{path}.pluginConfig[{j}]";
                if (!PluginRegistry.Factories.ContainsKey(entry.Name))
                {
                    errors.Add($"{entryPath}.name: Invalid value: \"{entry.Name}\": no such plugin");
                }
                else if (!seen.Add(entry.Name))
                {
                    errors.Add($"{entryPath}.name: Duplicate value: \"{entry.Name}\"");
                }

                try
                {
                    ArgsOf(entry, entryPath + ".args", errors);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
                {
                    errors.Add($"{entryPath}.args: Invalid value: {ex.Message}");
                }
            }
        }

        return errors;
    }

    /// <summary>The profiles this configuration describes; a default-scheduler profile with the default plugins when none is given.</summary>
    public Dictionary<string, SchedulerProfile> BuildProfiles(ClientContext client)
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid scheduler configuration: " + string.Join("; ", errors));
        }

        var profiles = Profiles.Count == 0 ? [new ProfileConfiguration()] : Profiles;
        var result = new Dictionary<string, SchedulerProfile>(StringComparer.Ordinal);
        foreach (var p in profiles)
        {
            var (plugins, enabledAt) = Resolve(p);
            result[p.SchedulerName] = PluginRegistry.Build(p.SchedulerName, plugins, Args(p), PercentageOfNodesToScore ?? 0, client, enabledAt);
        }

        return result;
    }

    private static IEnumerable<(string Point, PluginSet Set)> PluginSets(PluginsConfiguration? plugins)
    {
        if (plugins is null)
        {
            yield break;
        }

        if (plugins.MultiPoint is { } multi)
        {
            yield return ("multiPoint", multi);
        }

        foreach (var point in ExtensionPoints.All)
        {
            if (plugins.At(point) is { } set)
            {
                yield return (point, set);
            }
        }
    }

    /// <summary>
    /// kube-scheduler's v1 plugin resolution: the default plugins (multiPoint) minus multiPoint.disabled ("*" for
    /// all) plus multiPoint.enabled; then per extension point, a plugin runs there if it came through multiPoint
    /// and that point does not disable it, or that point enables it. Score weights come from score.enabled,
    /// then multiPoint.enabled, then the default.
    /// </summary>
    internal static (List<(string Name, int Weight)> Plugins, Func<string, string, bool> EnabledAt) Resolve(ProfileConfiguration profile)
    {
        var plugins = PluginRegistry.Defaults.ToList();
        var multi = profile.Plugins?.MultiPoint;
        if (multi is not null)
        {
            if (multi.Disabled.Exists(d => d.Name == "*"))
            {
                plugins.Clear();
            }

            plugins.RemoveAll(p => multi.Disabled.Exists(d => d.Name == p.Name));
            foreach (var e in multi.Enabled)
            {
                var i = plugins.FindIndex(p => p.Name == e.Name);
                var weight = e.Weight is > 0 ? e.Weight.Value : (i >= 0 ? plugins[i].Weight : 1);
                if (i >= 0)
                {
                    plugins[i] = (e.Name, weight);
                }
                else
                {
                    plugins.Add((e.Name, weight));
                }
            }
        }

        var viaMultiPoint = plugins.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var config = profile.Plugins;
        foreach (var point in ExtensionPoints.All)
        {
            foreach (var e in config?.At(point)?.Enabled ?? [])
            {
                var i = plugins.FindIndex(p => p.Name == e.Name);
                var weight = point == ExtensionPoints.Score && e.Weight is > 0 ? e.Weight.Value : (i >= 0 ? Math.Max(1, plugins[i].Weight) : 1);
                if (i >= 0)
                {
                    plugins[i] = (e.Name, point == ExtensionPoints.Score ? weight : plugins[i].Weight);
                }
                else
                {
                    plugins.Add((e.Name, weight));
                }
            }
        }

        bool EnabledAt(string point, string name)
        {
            var set = config?.At(point);
            if (set is not null && set.Enabled.Exists(e => e.Name == name))
            {
                return true;
            }

            return viaMultiPoint.Contains(name) && (set is null || !set.Disabled.Exists(d => d.Name == "*" || d.Name == name));
        }

        return (plugins, EnabledAt);
    }

    private static Dictionary<string, PluginArgs> Args(ProfileConfiguration profile)
    {
        var result = new Dictionary<string, PluginArgs>(StringComparer.Ordinal);
        foreach (var entry in profile.PluginConfig)
        {
            result[entry.Name] = ArgsOf(entry, "args", null);
        }

        return result;
    }

    /// <summary>Reads the arguments Skiff's plugins take; with <paramref name="errors"/>, also validates them as kube-scheduler does.</summary>
    private static PluginArgs ArgsOf(PluginConfigEntry entry, string path, List<string>? errors)
    {
        var args = new PluginArgs();
        if (entry.Args.ValueKind != JsonValueKind.Object)
        {
            return args;
        }

        if (entry.Args.TryGetProperty("scoringStrategy", out var strategy) && strategy.ValueKind == JsonValueKind.Object
            && strategy.TryGetProperty("type", out var type))
        {
            args.ScoringStrategy = type.GetString();
            if (args.ScoringStrategy is not ("LeastAllocated" or "MostAllocated"))
            {
                errors?.Add($"{path}.scoringStrategy.type: Unsupported value: \"{args.ScoringStrategy}\": supported values: \"LeastAllocated\", \"MostAllocated\"");
            }
        }

        if (entry.Args.TryGetProperty("hardPodAffinityWeight", out var weight))
        {
            args.HardPodAffinityWeight = weight.ValueKind == JsonValueKind.String ? int.Parse(weight.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : weight.GetInt32();
            if (args.HardPodAffinityWeight is < 0 or > 100)
            {
                errors?.Add($"{path}.hardPodAffinityWeight: Invalid value: {args.HardPodAffinityWeight}: not in valid range [0-100]");
            }
        }

        if (entry.Args.TryGetProperty("defaultingType", out var defaulting))
        {
            args.DefaultingType = defaulting.GetString();
            if (args.DefaultingType is not ("System" or "List"))
            {
                errors?.Add($"{path}.defaultingType: Unsupported value: \"{args.DefaultingType}\": supported values: \"List\", \"System\"");
            }
        }

        if (entry.Args.TryGetProperty("defaultConstraints", out var constraints) && constraints.ValueKind == JsonValueKind.Array)
        {
            args.DefaultConstraints = k8s.KubernetesJson.Deserialize<List<k8s.Models.V1TopologySpreadConstraint>>(constraints.GetRawText());
            for (var i = 0; i < args.DefaultConstraints.Count; i++)
            {
                var c = args.DefaultConstraints[i];
                var cp = $"{path}.defaultConstraints[{i}]";
                if (c.MaxSkew <= 0)
                {
                    errors?.Add($"{cp}.maxSkew: Invalid value: {c.MaxSkew}: must be greater than zero");
                }

                if (string.IsNullOrEmpty(c.TopologyKey))
                {
                    errors?.Add($"{cp}.topologyKey: Required value: can not be empty");
                }

                if (c.WhenUnsatisfiable is not ("DoNotSchedule" or "ScheduleAnyway"))
                {
                    errors?.Add($"{cp}.whenUnsatisfiable: Unsupported value: \"{c.WhenUnsatisfiable}\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"");
                }

                if (c.LabelSelector is not null)
                {
                    errors?.Add($"{cp}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod");
                }
            }

            if (args.DefaultConstraints.Count > 0 && (args.DefaultingType ?? "System") == "System")
            {
                errors?.Add($"{path}.defaultingType: Invalid value: \"System\": when .defaultConstraints are not empty, defaultingType cannot be System");
            }
        }

        return args;
    }

    private static string YamlToJson(string yaml)
    {
        // Unquoted scalars become numbers and booleans, as in a YAML-to-JSON conversion by kube-scheduler's decoder.
        var data = new YamlDotNet.Serialization.DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object>(yaml);
        return JsonSerializer.Serialize(data);
    }
}
