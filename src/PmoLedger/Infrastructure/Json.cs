using System.Text.Json;
using System.Text.Json.Serialization;

namespace PmoLedger.Infrastructure;

public static class Json
{
    /// <summary>One JSON dialect for the API and the event store: camelCase names, kebab-case enum strings.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // First, so it wins over the enum converter Marten adds for the event store: stored events and
        // documents then spell enums as the API does ("part-time", "professional-education").
        options.Converters.Insert(0, new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }
}
