using System.Text;
using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Completions;

public class CompletionBatchTests(AppFixture fixture) : ProviderContext(fixture)
{
    private Task<IScenarioResult> PostJson(string apiKey, object body, int status = 200) => WithKey(apiKey, s =>
    {
        s.Post.Json(body).ToUrl("/api/completions/batch");
        s.StatusCodeShouldBe(status);
    });

    private Task<IScenarioResult> PostCsv(string apiKey, string csv, int status = 200) => WithKey(apiKey, s =>
    {
        s.Post.Text(csv).ToUrl("/api/completions/batch");
        s.WithRequestHeader("Content-Type", "text/csv; charset=utf-8");
        s.StatusCodeShouldBe(status);
    });

    private static async Task<JsonElement[]> Results(IScenarioResult result) =>
        (await result.Json()).GetProperty("results").EnumerateArray().ToArray();

    private static object Item(Guid? practitionerId = null, string? practitionerEmail = null, string reference = "ref-1",
        string outcome = "passed", decimal cpdPoints = 7) => new
    {
        practitionerId, practitionerEmail, providerReference = reference, course = new { code = "PMO-101", title = "Intro to P3O" },
        completedOn = "2026-01-15", outcome, score = 0.9m, cpdPoints
    };

    [Fact]
    public async Task each_item_gets_the_status_it_would_get_alone()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner("Ada", "ada@example.org");
        var bob = await RegisterPractitioner("Bob", "bob@example.org");
        var existing = await Complete(provider.ApiKey, ada, Completion("old-ref", code: "PMO-101", title: "Intro to P3O",
            completedOn: "2026-01-15", score: 0.9m));
        var before = await EventCount();

        var result = await PostJson(provider.ApiKey, new
        {
            items = new object[]
            {
                Item(ada, reference: "new-1"),                                   // 0: 201
                Item(practitionerEmail: "BOB@example.org", reference: "new-2"),  // 1: 201, found by email
                Item(ada, reference: "old-ref"),                                 // 2: 200, same as before
                Item(ada, reference: "old-ref", outcome: "failed"),              // 3: 409
                Item(Guid.NewGuid(), reference: "new-3"),                        // 4: 404
                Item(practitionerEmail: "nobody@example.org", reference: "new-4"), // 5: 404
                Item(ada, reference: "new-5", outcome: "aced"),                  // 6: 400
                Item(reference: "new-6"),                                        // 7: 400, nobody named
                Item(ada, reference: "new-1"),                                   // 8: 200, repeat inside the batch
                Item(bob, reference: "new-2", cpdPoints: 3)                      // 9: 409, conflict inside the batch
            }
        });

        var results = await Results(result);
        results.Select(r => r.GetProperty("index").GetInt32()).ShouldBe(Enumerable.Range(0, 10));
        results.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([201, 201, 200, 409, 404, 404, 400, 400, 200, 409]);
        results[2].GetProperty("completionId").GetGuid().ShouldBe(existing);
        results[8].GetProperty("completionId").GetGuid().ShouldBe(results[0].GetProperty("completionId").GetGuid());
        results[6].GetProperty("problem").GetProperty("errors").TryGetProperty("outcome", out _).ShouldBeTrue();
        results[7].GetProperty("problem").GetProperty("errors").TryGetProperty("practitionerId", out _).ShouldBeTrue();
        results[3].TryGetProperty("completionId", out _).ShouldBeFalse();
        results[4].GetProperty("problem").GetProperty("status").GetInt32().ShouldBe(404);

        (await EventCount()).ShouldBe(before + 2);
        (await Get<JsonElement>($"/api/practitioners/{bob}")).GetProperty("completions").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task the_same_batch_again_records_nothing_and_returns_the_same_ids()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var body = new { items = Enumerable.Range(0, 30).Select(i => Item(ada, reference: $"r-{i}")).ToArray() };

        var first = await Results(await PostJson(provider.ApiKey, body));
        first.ShouldAllBe(r => r.GetProperty("status").GetInt32() == 201);
        var count = await EventCount();

        var second = await Results(await PostJson(provider.ApiKey, body));
        second.ShouldAllBe(r => r.GetProperty("status").GetInt32() == 200);
        second.Select(r => r.GetProperty("completionId").GetGuid()).ShouldBe(first.Select(r => r.GetProperty("completionId").GetGuid()));
        (await EventCount()).ShouldBe(count);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(30);
    }

    [Fact]
    public async Task a_batch_and_single_posts_racing_for_one_practitioner_all_stand_alone()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var before = await EventCount();

        // Batches overlap in references, and single posts repeat some of them: every reference is recorded once.
        var answers = await AllAtOnce(8, i => s =>
        {
            s.WithRequestHeader("X-Api-Key", provider.ApiKey);
            if (i % 2 == 0)
                s.Post.Json(new { items = Enumerable.Range(i, 10).Select(n => Item(ada, reference: $"r-{n}")).ToArray() }).ToUrl("/api/completions/batch");
            else
                s.Post.Json(Completion($"r-{i}", code: "PMO-101", title: "Intro to P3O", score: 0.9m)).ToUrl($"/api/practitioners/{ada}/completions");
        });

        answers.ShouldAllBe(a => a.Status == 200 || a.Status == 201, string.Join(" | ", answers.Select(a => a.Body)));
        var batchStatuses = answers.Where(a => a.Status == 200 && a.Body.Contains("results"))
            .SelectMany(a => Parse(a.Body).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()));
        batchStatuses.ShouldAllBe(s => s == 200 || s == 201);
        (await EventCount()).ShouldBe(before + 16);   // r-0 .. r-15
    }

    [Fact]
    public async Task more_than_500_items_is_refused_with_a_clear_message()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var result = await PostJson(provider.ApiKey, new { items = Enumerable.Range(0, 501).Select(i => Item(ada, reference: $"r-{i}")).ToArray() }, 413);
        (await result.Json()).Str("detail").ShouldContain("at most 500");
        (await EventCount()).ShouldBe(3);
    }

    [Fact]
    public async Task five_hundred_items_are_accepted()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var results = await Results(await PostJson(provider.ApiKey,
            new { items = Enumerable.Range(0, 500).Select(i => Item(ada, reference: $"r-{i}")).ToArray() }));
        results.Length.ShouldBe(500);
        results.ShouldAllBe(r => r.GetProperty("status").GetInt32() == 201);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(500);
    }

    [Fact]
    public async Task an_item_of_the_wrong_shape_fails_alone()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text($$"""
                {"items":[
                  {"practitionerId":"{{ada}}","providerReference":"a","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":"lots"},
                  42,
                  {"practitionerId":"not-a-guid","providerReference":"b","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed"},
                  {"practitionerId":"{{ada}}","providerReference":"c","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed"}
                ]}
                """).ToUrl("/api/completions/batch");
            s.WithRequestHeader("Content-Type", "application/json");
        });
        var results = await Results(result);
        results.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([400, 400, 400, 201]);
        results[0].GetProperty("problem").GetProperty("errors").TryGetProperty("cpdPoints", out _).ShouldBeTrue(results[0].ToString());
        results[2].GetProperty("problem").GetProperty("errors").TryGetProperty("practitionerId", out _).ShouldBeTrue(results[2].ToString());
    }

    [Theory]
    [InlineData("{\"items\": [")]
    [InlineData("{\"things\": []}")]
    [InlineData("[]")]
    public async Task an_unreadable_json_batch_is_400(string body)
    {
        var provider = await RegisterProvider();
        await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text(body).ToUrl("/api/completions/batch");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task other_media_types_are_415()
    {
        var provider = await RegisterProvider();
        await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text("<items/>").ToUrl("/api/completions/batch");
            s.WithRequestHeader("Content-Type", "application/xml");
            s.StatusCodeShouldBe(415);
        });
    }

    [Fact]
    public async Task only_providers_post_batches()
    {
        await As(AdminToken, s =>
        {
            s.Post.Json(new { items = Array.Empty<object>() }).ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(403);
        });
    }

    [Fact]
    public async Task a_csv_batch_with_quoting_blank_lines_and_columns_in_any_order()
    {
        var provider = await RegisterProvider("PMO Academy");
        var ada = await RegisterPractitioner("Ada", "ada@example.org");
        var csv = new StringBuilder()
            .Append("outcome,courseTitle,practitionerEmail,providerReference,completedOn,courseCode,cpdPoints,score,evidenceUrl\r\n")
            .Append("passed,\"Risk, issues and \"\"RAID\"\" logs\",ada@example.org,csv-1,2026-01-10,PMO-210,3.5,0.75,https://pmo.academy/e/1\r\n")
            .Append("\r\n")
            .Append("attended,\"Two-line\ntitle\",ada@example.org,csv-2,2026-01-11,PMO-220,,,\r\n")
            .Append("\n")
            .ToString();

        var results = await Results(await PostCsv(provider.ApiKey, csv));
        results.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([201, 201]);

        var timeline = await Get<JsonElement>($"/api/practitioners/{ada}/timeline");
        var summaries = timeline.GetProperty("entries").EnumerateArray().Select(e => e.Str("summary")).ToList();
        summaries.ShouldContain("Completed PMO-210 'Risk, issues and \"RAID\" logs' with PMO Academy (passed, 3.5 CPD points).");
        summaries.ShouldContain("Completed PMO-220 'Two-line\ntitle' with PMO Academy (attended, 0 CPD points).");

        // The same file again is a replay, item by item.
        var again = await Results(await PostCsv(provider.ApiKey, csv));
        again.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([200, 200]);
    }

    [Fact]
    public async Task a_csv_row_with_bad_values_fails_alone()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var csv = $"""
            practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome,cpdPoints
            {ada},ok-1,PMO-101,Intro,2026-01-15,passed,7
            {ada},bad-date,PMO-101,Intro,15/01/2026,passed,7
            {ada},bad-points,PMO-101,Intro,2026-01-15,passed,seven
            not-a-guid,bad-id,PMO-101,Intro,2026-01-15,passed,7
            {ada},too-few,PMO-101
            {ada},bad-outcome,PMO-101,Intro,2026-01-15,aced,7
            {ada},,PMO-101,Intro,2026-01-15,passed,7
            {Guid.NewGuid()},nobody,PMO-101,Intro,2026-01-15,passed,7
            {ada},ok-2,PMO-102,Next,2026-01-16,completed,7.5
            """;

        var results = await Results(await PostCsv(provider.ApiKey, csv));
        results.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([201, 400, 400, 400, 400, 400, 400, 404, 201]);
        string[] fields = ["", "completedOn", "cpdPoints", "practitionerId", "row", "outcome", "providerReference"];
        for (var i = 1; i < fields.Length; i++)
            results[i].GetProperty("problem").GetProperty("errors").TryGetProperty(fields[i], out _).ShouldBeTrue(results[i].ToString());
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(2);
    }

    [Theory]
    [InlineData("practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome,grade\n", "grade")]
    public async Task a_bad_csv_header_fails_the_whole_request(string header, string mentioned)
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var result = await PostCsv(provider.ApiKey, header + $"{ada},r,PMO-101,Intro,2026-01-15,passed,x\n", 400);
        (await result.ReadAsTextAsync()).ShouldContain(mentioned);
        (await EventCount()).ShouldBe(3);
    }

    [Theory]
    [InlineData("practitionerId,providerReference\n\"unclosed,r\n")]
    public async Task an_empty_or_broken_csv_is_400(string csv)
    {
        var provider = await RegisterProvider();
        await PostCsv(provider.ApiKey, csv, 400);
    }
}
