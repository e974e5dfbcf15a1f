using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Configuration;

/// <summary>
/// The scheduler configuration file in KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) shape:
/// percentageOfNodesToScore and profiles with plugins (multiPoint, score) and pluginConfig. Fields Skiff does
/// not implement are ignored, as unknown fields are for a lenient decode.
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

    /// <summary>Reads a configuration from JSON or YAML text.</summary>
    public static SchedulerConfiguration Parse(string text)
    {
        var json = text.TrimStart().StartsWith('{') ? text : YamlToJson(text);
        var config = JsonSerializer.Deserialize<SchedulerConfiguration>(json, JsonOptions) ?? new SchedulerConfiguration();
        if (config.Kind is { } kind && kind != "KubeSchedulerConfiguration")
        {
            throw new ArgumentException($"scheduler configuration: kind must be KubeSchedulerConfiguration, not {kind}");
        }

        return config;
    }

    /// <summary>The profiles this configuration describes; a default-scheduler profile with the default plugins when none is given.</summary>
    public Dictionary<string, SchedulerProfile> BuildProfiles(ClientContext client)
    {
        var profiles = Profiles.Count == 0 ? [new ProfileConfiguration()] : Profiles;
        var result = new Dictionary<string, SchedulerProfile>(StringComparer.Ordinal);
        foreach (var p in profiles)
        {
            if (result.ContainsKey(p.SchedulerName))
            {
                throw new ArgumentException($"scheduler configuration: duplicate profile {p.SchedulerName}");
            }

            result[p.SchedulerName] = PluginRegistry.Build(p.SchedulerName, Plugins(p), Args(p), PercentageOfNodesToScore ?? 0, client);
        }

        return result;
    }

    private static List<(string Name, int Weight)> Plugins(ProfileConfiguration profile)
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

        if (profile.Plugins?.Score is { } score)
        {
            for (var i = 0; i < plugins.Count; i++)
            {
                if (score.Disabled.Exists(d => d.Name == "*" || d.Name == plugins[i].Name))
                {
                    plugins[i] = (plugins[i].Name, 0);
                }

                if (score.Enabled.Find(e => e.Name == plugins[i].Name) is { } enabled)
                {
                    plugins[i] = (plugins[i].Name, enabled.Weight is > 0 ? enabled.Weight.Value : Math.Max(1, plugins[i].Weight));
                }
            }
        }

        return plugins;
    }

    private static Dictionary<string, PluginArgs> Args(ProfileConfiguration profile)
    {
        var result = new Dictionary<string, PluginArgs>(StringComparer.Ordinal);
        foreach (var entry in profile.PluginConfig)
        {
            var args = new PluginArgs();
            if (entry.Args.ValueKind == JsonValueKind.Object
                && entry.Args.TryGetProperty("scoringStrategy", out var strategy)
                && strategy.ValueKind == JsonValueKind.Object
                && strategy.TryGetProperty("type", out var type))
            {
                args.ScoringStrategy = type.GetString();
            }

            result[entry.Name] = args;
        }

        return result;
    }

    private static string YamlToJson(string yaml)
    {
        var data = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(yaml);
        return JsonSerializer.Serialize(data);
    }
}
