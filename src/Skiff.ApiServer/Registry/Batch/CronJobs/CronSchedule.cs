using System.Globalization;

namespace Skiff.ApiServer.Registry.Batch.CronJobs;

/// <summary>
/// Checks a CronJob schedule the way kube-apiserver does, with robfig/cron's standard parser (five fields:
/// minute hour day-of-month month day-of-week, month and weekday names, <c>*</c>/<c>?</c>, ranges, steps, lists,
/// and the <c>@yearly</c>... <c>@every &lt;duration&gt;</c> descriptors), returning the parser's error text.
/// </summary>
internal static class CronSchedule
{
    private sealed record Bounds(uint Min, uint Max, IReadOnlyDictionary<string, uint>? Names);

    private static readonly Bounds Minutes = new(0, 59, null);
    private static readonly Bounds Hours = new(0, 23, null);
    private static readonly Bounds DaysOfMonth = new(1, 31, null);

    private static readonly Bounds Months = new(1, 12, new Dictionary<string, uint>
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    });

    private static readonly Bounds DaysOfWeek = new(0, 6, new Dictionary<string, uint>
    {
        ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
    });

    private static readonly string[] Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

    /// <summary>The parse error, or null when the schedule is valid.</summary>
    public static string? Error(string spec)
    {
        if (spec.Length == 0)
        {
            return "empty spec string";
        }

        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ');
            var eq = spec.IndexOf('=');
            var zone = space > eq ? spec[(eq + 1)..space] : spec[(eq + 1)..];
            if (!TimeZones.Exists(zone))
            {
                return $"provided bad location {zone}: unknown time zone {zone}";
            }

            spec = space > eq ? spec[space..].Trim() : "";
        }

        if (spec.StartsWith('@'))
        {
            if (Descriptors.Contains(spec))
            {
                return null;
            }

            if (spec.StartsWith("@every ", StringComparison.Ordinal))
            {
                var text = spec["@every ".Length..];
                return Skiff.Api.Validation.GoDurations.TryParse(text, out _) ? null : $"failed to parse duration {spec}: time: invalid duration \"{text}\"";
            }

            return $"unrecognized descriptor: {spec}";
        }

        var fields = spec.Split([' ', '\t', '\n', '\r', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]";
        }

        return Field(fields[0], Minutes) ?? Field(fields[1], Hours) ?? Field(fields[2], DaysOfMonth) ??
            Field(fields[3], Months) ?? Field(fields[4], DaysOfWeek);
    }

    private static string? Field(string field, Bounds bounds)
    {
        foreach (var expr in field.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Range(expr, bounds) is { } err)
            {
                return err;
            }
        }

        return null;
    }

    private static string? Range(string expr, Bounds bounds)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        uint start, end;
        string? err;
        if (lowAndHigh[0] is "*" or "?")
        {
            start = bounds.Min;
            end = bounds.Max;
        }
        else
        {
            if ((err = IntOrName(lowAndHigh[0], bounds.Names, out start)) is not null)
            {
                return err;
            }

            switch (lowAndHigh.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    if ((err = IntOrName(lowAndHigh[1], bounds.Names, out end)) is not null)
                    {
                        return err;
                    }

                    break;
                default:
                    return $"too many hyphens: {expr}";
            }
        }

        uint step;
        switch (rangeAndStep.Length)
        {
            case 1:
                step = 1;
                break;
            case 2:
                if ((err = Int(rangeAndStep[1], out step)) is not null)
                {
                    return err;
                }

                // "N/step" means "N-max/step".
                if (lowAndHigh.Length == 1)
                {
                    end = bounds.Max;
                }

                break;
            default:
                return $"too many slashes: {expr}";
        }

        if (start < bounds.Min)
        {
            return $"beginning of range ({start}) below minimum ({bounds.Min}): {expr}";
        }

        if (end > bounds.Max)
        {
            return $"end of range ({end}) above maximum ({bounds.Max}): {expr}";
        }

        if (start > end)
        {
            return $"beginning of range ({start}) beyond end of range ({end}): {expr}";
        }

        return step == 0 ? $"step of range should be a positive number: {expr}" : null;
    }

    private static string? IntOrName(string expr, IReadOnlyDictionary<string, uint>? names, out uint value)
    {
        if (names is not null && names.TryGetValue(expr.ToLowerInvariant(), out value))
        {
            return null;
        }

        return Int(expr, out value);
    }

    private static string? Int(string expr, out uint value)
    {
        value = 0;
        if (!long.TryParse(expr, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n is > int.MaxValue or < int.MinValue)
        {
            return $"failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": {(long.TryParse(expr, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? "value out of range" : "invalid syntax")}";
        }

        if (n < 0)
        {
            return $"negative number ({n}) not allowed: {expr}";
        }

        value = (uint)n;
        return null;
    }
}
