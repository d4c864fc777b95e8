using System.Text.Json;
using Alba;
using Marten;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features;

/// <summary>Scenario helpers for certifications, CPD and the plan.</summary>
public abstract class ProgressionContext(AppFixture fixture) : IntegrationContext(fixture)
{
    /// <summary>Moves the ledger's clock so that today is <paramref name="day"/> (at the current time of day).</summary>
    protected void Today(DateOnly day) => Clock.Offset += (day.DayNumber - Clock.Today.DayNumber) * TimeSpan.FromDays(1);

    protected async Task<Guid> Award(Guid practitionerId, string code, DateOnly awardedOn, string? name = null, string? number = null)
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { code, name = name ?? $"{code} certificate", awardedOn, certificateNumber = number ?? $"C-{Guid.NewGuid():N}" })
                .ToUrl($"/api/practitioners/{practitionerId}/certifications");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Json()).GetProperty("certificationId").GetGuid();
    }

    protected async Task<Guid> LogCpd(Guid practitionerId, string category, decimal points, DateOnly occurredOn, string title = "CPD activity")
    {
        var result = await As(PractitionerToken(practitionerId), s =>
        {
            s.Post.Json(new { category, points, title, reflection = "What I learned and how I will use it at work.", occurredOn })
                .ToUrl($"/api/practitioners/{practitionerId}/cpd");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Json()).GetProperty("activityId").GetGuid();
    }

    /// <summary>Stands in for provider ingest: appends the completion event straight to the practitioner's stream.</summary>
    protected async Task<Guid> AppendCompletion(Guid practitionerId, string courseCode, DateOnly completedOn, decimal cpdPoints,
        TrainingOutcome outcome = TrainingOutcome.Completed, string? title = null)
    {
        var completion = new TrainingCompleted(Guid.CreateVersion7(), Guid.NewGuid(), "Test Academy", $"ref-{Guid.NewGuid():N}",
            courseCode, title ?? $"{courseCode} course", completedOn, outcome, null, cpdPoints, null);
        await Append(practitionerId, completion);
        return completion.CompletionId;
    }

    protected Task RevokeCompletion(Guid practitionerId, Guid completionId) =>
        Append(practitionerId, new CompletionRevoked(completionId, Guid.NewGuid(), "Posted in error", Clock.Today));

    protected async Task Append(Guid practitionerId, params object[] events)
    {
        await using var session = Store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Practitioner>(practitionerId);
        stream.AppendMany(events);
        await session.SaveChangesAsync();
    }

    protected Task<JsonElement> Ledger(Guid practitionerId) => Get<JsonElement>($"/api/practitioners/{practitionerId}/cpd");

    protected Task<JsonElement> TimelineOf(Guid practitionerId) => Get<JsonElement>($"/api/practitioners/{practitionerId}/timeline");

    protected static IEnumerable<JsonElement> Entries(JsonElement timeline, string kind) =>
        timeline.GetProperty("entries").EnumerateArray().Where(e => e.Str("kind") == kind);

    /// <summary>Posts a raw body and expects a 400 problem naming <paramref name="field"/>.</summary>
    protected async Task ShouldBeBadRequest(string token, string url, string body, string field)
    {
        var result = await As(token, s =>
        {
            s.Post.Text(body).ToUrl(url);
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = await result.Json();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }
}
