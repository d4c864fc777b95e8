namespace PmoLedger.Infrastructure;

/// <summary>Enum values as the API and the event store spell them (kebab-case).</summary>
public static class WireNames
{
    /// <summary>The wire form of an enum value: PartTime → "part-time".</summary>
    public static string Wire<T>(this T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.Wire(), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static string Allowed<T>() where T : struct, Enum =>
        string.Join(", ", Enum.GetValues<T>().Select(v => v.Wire()));
}
