using System.Globalization;

namespace Skiff.Kubelet.Eviction;

/// <summary>An eviction threshold's value: an absolute quantity (bytes, inodes, PIDs) or a fraction of the signal's capacity.</summary>
/// <param name="Quantity">The absolute amount, or null for a percentage.</param>
/// <param name="Percentage">The fraction of capacity (0.1 for 10%) when <paramref name="Quantity"/> is null.</param>
/// <param name="Text">The value as written (<c>100Mi</c>, <c>10%</c>).</param>
internal sealed record ThresholdValue(long? Quantity, float Percentage, string Text)
{
    /// <summary>
    /// The absolute amount against a capacity, as kubelet's GetThresholdQuantity computes it: the quantity, or
    /// capacity × percentage (the percentage held as a float32, as kubelet holds it, so figures match kubelet's messages).
    /// </summary>
    public long Resolve(long capacity) => Quantity ?? (long)(capacity * (double)Percentage);

    /// <summary>Whether the value is zero (0, 0Mi, 0%): kubelet then leaves the signal unwatched.</summary>
    public bool IsZero => Quantity == 0 || (Quantity is null && Percentage == 0);

    /// <summary>Parses <c>100Mi</c>, <c>1Gi</c>, <c>500</c> or <c>10%</c>; throws <see cref="FormatException"/> with kubelet's wording.</summary>
    public static ThresholdValue Parse(string signal, string text)
    {
        var value = text.Trim();
        if (value.EndsWith('%'))
        {
            if (!float.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || float.IsNaN(percent))
            {
                throw new FormatException($"invalid percentage {value} for eviction signal {signal}");
            }

            if (percent < 0)
            {
                throw new FormatException($"eviction percentage threshold {signal} must be positive: {value}");
            }

            if (percent > 100)
            {
                throw new FormatException($"eviction percentage threshold {signal} must be less than 100%: {value}");
            }

            return new ThresholdValue(null, percent / 100, value);
        }

        long bytes;
        try
        {
            var quantity = new k8s.Models.ResourceQuantity(value);
            bytes = (long)Math.Ceiling(quantity.ToDecimal());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"invalid quantity {value} for eviction signal {signal}: expected a quantity (100Mi, 1Gi, 500) or a percentage (10%)");
        }

        if (bytes < 0)
        {
            throw new FormatException($"eviction threshold {signal} must be positive: {value}");
        }

        return new ThresholdValue(bytes, 0, value);
    }
}
