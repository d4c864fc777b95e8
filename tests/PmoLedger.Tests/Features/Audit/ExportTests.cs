using PmoLedger.Features.Practitioners;
using System.Text;
using System.Text.Json;
using Alba;
using PmoLedger.Features.Audit;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Audit;

public class ExportTests(AppFixture fixture) : AuditContext(fixture)
{
    private async Task<List<JsonElement>> Export(string query = "")
    {
        var result = await As(AuditorToken, s =>
        {
            s.Get.Url($"/api/audit/events{query}");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/x-ndjson");
        });
        var text = await result.ReadAsTextAsync();
        if (text.Length > 0) text.ShouldEndWith("\n");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
    }

    private async Task SomeHistoryWithATombstone()
    {
        var a = await RegisterPractitioner(email: "a@example.org");
        await ChangeRole(a, "analyst", Clock.Today.AddYears(-1));
        // A rolled-back append (the email is taken) leaves a tombstone in the log.
        await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName = "Copy", email = "a@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(409);
        });
        await RegisterPractitioner("Bo");

        // Marten writes tombstones from a background queue after the failed commit.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Scalar<long>("select count(*) from ledger.mt_events where type = 'tombstone'") == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        (await Scalar<long>("select count(*) from ledger.mt_events where type = 'tombstone'")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task the_export_is_one_event_a_line_in_sequence_order_without_tombstones()
    {
        await SomeHistoryWithATombstone();

        var lines = await Export();

        lines.Count.ShouldBe(await EventCount());
        lines.Select(l => l.GetProperty("sequence").GetInt64()).ShouldBeInOrder(SortDirection.Ascending);
        lines.ShouldAllBe(l => l.Str("type") != "tombstone");
        lines[0].Str("type").ShouldBe("practitioner_registered");
        lines[0].Str("recordedBy").ShouldBe("admin@test");
        lines[0].GetProperty("data").Str("email").ShouldBe("a@example.org");
    }

    [Fact]
    public async Task after_and_limit_page_through_the_log()
    {
        await SomeHistoryWithATombstone();
        var all = await Export();

        var first = await Export("?limit=2");
        first.Select(l => l.GetProperty("sequence").GetInt64()).ShouldBe(all.Take(2).Select(l => l.GetProperty("sequence").GetInt64()));

        var rest = await Export($"?after={first[^1].GetProperty("sequence").GetInt64()}&limit=100000");
        rest.Select(l => l.GetProperty("sequence").GetInt64()).ShouldBe(all.Skip(2).Select(l => l.GetProperty("sequence").GetInt64()));

        (await Export($"?after={all[^1].GetProperty("sequence").GetInt64()}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task the_default_page_is_a_thousand_events()
    {
        await using (var session = Store.LightweightSession())
        {
            var id = Guid.NewGuid();
            Keys.Store(session, id);
            session.Events.StartStream<PmoLedger.Features.Practitioners.Practitioner>(id,
                new PmoLedger.Features.Practitioners.PractitionerRegistered(id, PersonalText.Of(id, "Bulk"), PersonalText.Of(id, "bulk@example.org"), Clock.Today));
            for (var i = 0; i < 1100; i++)
                session.Events.Append(id, new PmoLedger.Features.Practitioners.CareerLevelReached(
                    PmoLedger.Features.Practitioners.CareerLevel.Entry, null, Clock.Today));
            await session.SaveChangesAsync();
        }

        (await Export()).Count.ShouldBe(EventExport.DefaultLimit);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=-5", "limit")]
    [InlineData("?limit=100001", "limit")]
    [InlineData("?limit=lots", "limit")]
    [InlineData("?after=-1", "after")]
    [InlineData("?after=abc", "after")]
    [InlineData("?after=99999999999999999999999", "after")]
    public async Task a_bad_page_is_400_naming_the_parameter(string query, string field)
    {
        var problem = await AuditProblem($"/api/audit/events{query}", 400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task the_file_export_writes_the_whole_log_and_reports_progress()
    {
        await SomeHistoryWithATombstone();
        var reported = new List<long>();

        using var file = new MemoryStream();
        var written = await EventExport.WriteAsync(Store, file, 0, null, reported.Add, CancellationToken.None);

        written.ShouldBe(await EventCount());
        reported[^1].ShouldBe(written);
        Encoding.UTF8.GetString(file.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe((int)written);
    }
}
