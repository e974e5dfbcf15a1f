using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace Skiff.Controllers.CronJob;

/// <summary>
/// A CronJob schedule in its time zone, as kube-controller-manager's cronjob controller reads it with
/// robfig/cron's standard parser: five fields or a macro (@yearly, @annually, @monthly, @weekly, @daily,
/// @midnight, @hourly) evaluated by Cronos, and <c>@every &lt;duration&gt;</c>, which the API accepts and robfig
/// runs at a constant interval. As in robfig (and Vixie cron), a day-of-month and a day-of-week that are both
/// restricted match when either does. Without spec.timeZone the controller's local zone applies; a legacy
/// <c>TZ=</c>/<c>CRON_TZ=</c> prefix in the schedule names a zone too.
/// </summary>
internal sealed partial class CronSchedule
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.Ordinal)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly CronExpression[] _expressions;
    private readonly TimeSpan _every;

    private CronSchedule(CronExpression[] expressions, TimeSpan every, TimeZoneInfo zone)
    {
        _expressions = expressions;
        _every = every;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses a schedule in <paramref name="timeZone"/> (null: <paramref name="local"/>); the error text when it cannot.</summary>
    public static CronSchedule? TryParse(string schedule, string? timeZone, TimeZoneInfo local, out string? error)
    {
        error = null;
        var spec = schedule.Trim();
        var zone = local;
        try
        {
            if (timeZone is not null)
            {
                zone = FindZone(timeZone);
            }

            if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
            {
                var space = spec.IndexOf(' ');
                var name = space < 0 ? spec[(spec.IndexOf('=') + 1)..] : spec[(spec.IndexOf('=') + 1)..space];
                zone = FindZone(name);
                spec = space < 0 ? "" : spec[space..].Trim();
            }
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = ex.Message;
            return null;
        }

        if (spec.StartsWith("@every ", StringComparison.Ordinal))
        {
            var text = spec["@every ".Length..].Trim();
            if (!Skiff.Api.Validation.GoDurations.TryParse(text, out var every))
            {
                error = $"failed to parse duration {spec}: time: invalid duration \"{text}\"";
                return null;
            }

            // robfig rounds the interval to whole seconds, at least one.
            every = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(every.TotalSeconds)));
            return new CronSchedule([], every, zone);
        }

        if (Macros.TryGetValue(spec, out var expanded))
        {
            spec = expanded;
        }

        try
        {
            // Cronos requires both day fields to match; robfig (like Vixie cron) accepts either one when both are
            // restricted (neither starts with * or ?): then the schedule is the union of the two.
            var fields = spec.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 5 && !Unrestricted(fields[2]) && !Unrestricted(fields[4]))
            {
                return new CronSchedule(
                    [
                        CronExpression.Parse($"{fields[0]} {fields[1]} {fields[2]} {fields[3]} *", CronFormat.Standard),
                        CronExpression.Parse($"{fields[0]} {fields[1]} * {fields[3]} {fields[4]}", CronFormat.Standard),
                    ],
                    TimeSpan.Zero,
                    zone);
            }

            return new CronSchedule([CronExpression.Parse(spec, CronFormat.Standard)], TimeSpan.Zero, zone);
        }
        catch (CronFormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>The first activation strictly after <paramref name="after"/>; null when the schedule never fires (e.g. 30 February).</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        if (_expressions.Length == 0)
        {
            // @every: from the start of the current second, like robfig's ConstantDelaySchedule.
            var truncated = new DateTimeOffset(after.Ticks - after.Ticks % TimeSpan.TicksPerSecond, after.Offset);
            return truncated + _every;
        }

        DateTimeOffset? next = null;
        foreach (var expression in _expressions)
        {
            if (expression.GetNextOccurrence(after, Zone) is { } t && (next is null || t < next))
            {
                next = t;
            }
        }

        return next;
    }

    /// <summary>robfig's star bit: some part of the field's list starts with <c>*</c> or <c>?</c>.</summary>
    private static bool Unrestricted(string field) => field.Split(',').Any(part => part.StartsWith('*') || part.StartsWith('?'));

    private static TimeZoneInfo FindZone(string name) =>
        name == "UTC" || name.Length == 0 ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);

}
