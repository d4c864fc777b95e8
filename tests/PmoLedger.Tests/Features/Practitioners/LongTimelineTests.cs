using System.Text.Json;
using Alba;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Practitioners;

/// <summary>
/// The timeline route copies the stored entries' bytes to the response: a record far larger than one read buffer
/// must arrive whole, in the documented shape, and equal to the read model it came from.
/// </summary>
public class LongTimelineTests(AppFixture fixture) : ProgressionContext(fixture)
{
    [Fact]
    public async Task an_auditor_reads_a_long_timeline_whole_and_as_stored()
    {
        var id = await RegisterPractitioner("Grace Hopper");
        var day = Clock.Today.AddYears(-3);
        // About 300 bytes an entry: some 90 KB of JSON, many times Npgsql's 8 KB read buffer.
        var completions = Enumerable.Range(0, 300).Select(i => new TrainingCompleted(
            Guid.CreateVersion7(), Guid.NewGuid(), "Test Academy", $"ref-{Guid.NewGuid():N}", $"C{i:000}",
            $"Course number {i} on portfolio governance — «non-ASCII» text too", day.AddDays(i), TrainingOutcome.Completed,
            null, 1.5m, null)).ToArray();
        await Append(id, completions);

        var result = await As(AuditorToken, s =>
        {
            s.Get.Url($"/api/practitioners/{id}/timeline");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/json; charset=utf-8");
        });
        var body = await result.ReadAsTextAsync();
        body.Length.ShouldBeGreaterThan(64 * 1024);
        var timeline = JsonDocument.Parse(body).RootElement;

        timeline.EnumerateObject().Select(p => p.Name).ShouldBe(["practitionerId", "entries"], ignoreOrder: true);
        timeline.GetProperty("practitionerId").GetGuid().ShouldBe(id);
        await using var session = Store.QuerySession();
        var stored = (await session.LoadAsync<Timeline>(id))!;
        var entries = timeline.GetProperty("entries").EnumerateArray().ToList();
        entries.Count.ShouldBe(stored.Entries.Count);
        entries.Count.ShouldBe(301);
        entries.Select(e => (e.Str("kind"), e.Str("summary"), e.GetProperty("ref").GetGuid()))
            .ShouldBe(stored.Entries.Select(e => (e.Kind, e.Summary, e.Ref!.Value)));
        entries.Count(e => e.Str("summary").Contains("Course number 299 on portfolio governance — «non-ASCII» text too")).ShouldBe(1);
    }
}
