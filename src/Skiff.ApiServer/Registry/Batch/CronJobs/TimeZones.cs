using System.Text.RegularExpressions;

namespace Skiff.ApiServer.Registry.Batch.CronJobs;

/// <summary>IANA time zone names as Go's time.LoadLocation accepts them (the tz database of the host).</summary>
internal static partial class TimeZones
{
    [GeneratedRegex("^[A-Za-z\\.\\-_0-9+]{1,14}$")]
    private static partial Regex PartRegex();

    /// <summary>Whether each path part has the tz database's shape (validateTimeZone's character check).</summary>
    public static bool HasValidCharacters(string zone) =>
        zone.Split('/').All(part => part is not ("." or "..") && !part.StartsWith('-') && PartRegex().IsMatch(part));

    public static bool Exists(string zone)
    {
        if (zone == "UTC")
        {
            return true;
        }

        if (!HasValidCharacters(zone))
        {
            return false;
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(zone);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
