using System.Globalization;

namespace Skiff.Api.Printing;

/// <summary>Formats byte counts as Kubernetes prints a binary-SI resource.Quantity (<c>4108Ki</c>, <c>100Mi</c>, <c>16023864137</c>).</summary>
public static class QuantityText
{
    private static readonly string[] Suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    /// <summary>The canonical text: the largest power of 1024 that divides the value exactly; below 1024 a plain number.</summary>
    public static string BinarySI(long value)
    {
        if (value > -1024 && value < 1024)
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        var exponent = 0;
        while (value % 1024 == 0 && exponent < Suffixes.Length - 1)
        {
            value /= 1024;
            exponent++;
        }

        return value.ToString(CultureInfo.InvariantCulture) + Suffixes[exponent];
    }
}
