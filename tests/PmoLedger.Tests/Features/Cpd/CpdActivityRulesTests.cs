using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PmoLedger.Features.Cpd;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Cpd;

public class CpdActivityRulesTests
{
    /// <summary>Today is fixed: the rules read the date, never the wall clock.</summary>
    private sealed class Fixed(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly TimeProvider OnFirstJune = new Fixed(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private const string Valid = "\"title\":\"T\",\"reflection\":\"A reflection of enough length.\",\"occurredOn\":\"2025-01-01\"";

    [Theory]
    [InlineData("{\"category\":\"reading\",\"points\":1," + Valid + "}", "category")]
    [InlineData("{\"points\":1," + Valid + "}", "category")]
    [InlineData("{\"category\":\"community\"," + Valid + "}", "points")]
    [InlineData("{\"category\":\"community\",\"points\":0," + Valid + "}", "points")]
    [InlineData("{\"category\":\"community\",\"points\":15.5," + Valid + "}", "points")]
    [InlineData("{\"category\":\"community\",\"points\":1.25," + Valid + "}", "points")]
    [InlineData("{\"category\":\"community\",\"points\":1,\"title\":\"T\",\"reflection\":\"Too short.\",\"occurredOn\":\"2025-01-01\"}", "reflection")]
    [InlineData("{\"category\":\"community\",\"points\":1,\"title\":\"T\",\"occurredOn\":\"2025-01-01\"}", "reflection")]
    [InlineData("{\"category\":\"community\",\"points\":1,\"reflection\":\"A reflection of enough length.\",\"occurredOn\":\"2025-01-01\"}", "title")]
    [InlineData("{\"category\":\"community\",\"points\":1,\"title\":\"T\",\"reflection\":\"A reflection of enough length.\",\"occurredOn\":\"2999-01-01\"}", "occurredOn")]
    [InlineData("{\"category\":\"community\",\"points\":1,\"title\":\"T\",\"reflection\":\"A reflection of enough length.\"}", "occurredOn")]
    [InlineData("{\"category\":\"community\",\"points\":1," + Valid + ",\"evidenceUrl\":\"not a url\"}", "evidenceUrl")]
    public void an_invalid_activity_is_refused_naming_the_field(string body, string field)
    {
        var options = new JsonSerializerOptions();
        PmoLedger.Infrastructure.Json.Configure(options);
        var problem = LogCpdActivityEndpoint.Validate(JsonSerializer.Deserialize<LogCpdActivity>(body, options), OnFirstJune);
        problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldContain(field);
    }

    [Fact]
    public void a_valid_activity_passes() =>
        LogCpdActivityEndpoint.Validate(new LogCpdActivity("community", 1.5m, "T", "A reflection of enough length.", new DateOnly(2026, 6, 1), null), OnFirstJune)
            .ShouldBe(Wolverine.Http.WolverineContinue.NoProblems);
}
