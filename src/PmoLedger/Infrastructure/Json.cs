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
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }
}
