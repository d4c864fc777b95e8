using System.Text.Json;

namespace PmoLedger.Tests;

/// <summary>Reads answers as plain JSON, so tests check the wire format users see rather than the server's types.</summary>
public static class JsonReading
{
    public static async Task<JsonElement> Json(this Alba.IScenarioResult result) =>
        JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
