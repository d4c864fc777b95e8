using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Completions;

/// <summary>Provider ingest and certifications together: a posted exam pass renews, over the real routes.</summary>
public class ExamPassRenewalTests(AppFixture fixture) : ProviderContext(fixture)
{
    private async Task Award(Guid id, string code, DateOnly awardedOn) =>
        await As(AdminToken, s =>
        {
            s.Post.Json(new { code, name = "P3O Foundation", awardedOn, certificateNumber = $"N-{Guid.NewGuid():N}" })
                .ToUrl($"/api/practitioners/{id}/certifications");
            s.StatusCodeShouldBe(201);
        });

    private async Task<JsonElement> Certification(Guid id) =>
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("certifications").EnumerateArray().Single();

    [Fact]
    public async Task a_posted_pass_of_the_exam_in_the_final_year_renews_the_certification()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var awardedOn = Clock.Today.AddYears(-3).AddDays(60);   // renewBy is 60 days ahead
        await Award(id, "P3O-F", awardedOn);
        (await Certification(id)).Str("status").ShouldBe("renewal-due");

        var passedOn = Clock.Today.AddDays(-1);
        await Complete(provider.ApiKey, id, Completion("exam-1", code: "P3O-F", title: "P3O Foundation exam",
            completedOn: $"{passedOn:yyyy-MM-dd}", outcome: "passed"));

        var certification = await Certification(id);
        certification.Str("renewBy").ShouldBe($"{awardedOn.AddYears(6):yyyy-MM-dd}");
        certification.Str("status").ShouldBe("active");
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Count(e => e.Str("kind") == "certification-renewed").ShouldBe(1);
    }

    [Fact]
    public async Task a_failed_attempt_or_another_course_renews_nothing()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var awardedOn = Clock.Today.AddYears(-3).AddDays(60);
        await Award(id, "P3O-F", awardedOn);

        await Complete(provider.ApiKey, id, Completion("a", code: "P3O-F", completedOn: $"{Clock.Today:yyyy-MM-dd}", outcome: "failed"));
        await Complete(provider.ApiKey, id, Completion("b", code: "MSP-F", completedOn: $"{Clock.Today:yyyy-MM-dd}", outcome: "passed"));

        (await Certification(id)).Str("renewBy").ShouldBe($"{awardedOn.AddYears(3):yyyy-MM-dd}");
    }

    [Fact]
    public async Task a_batch_with_two_passes_for_one_person_renews_once()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var awardedOn = Clock.Today.AddYears(-3).AddDays(60);
        await Award(id, "P3O-F", awardedOn);

        var item = (string reference, DateOnly on) => new
        {
            practitionerId = id, providerReference = reference, course = new { code = "P3O-F", title = "P3O Foundation exam" },
            completedOn = on, outcome = "passed", cpdPoints = 3
        };
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(new { items = new[] { item("p1", Clock.Today.AddDays(-2)), item("p2", Clock.Today.AddDays(-1)) } })
                .ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(200);
        });
        (await result.Json()).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()).ShouldBe([201, 201]);

        (await Certification(id)).Str("renewBy").ShouldBe($"{awardedOn.AddYears(6):yyyy-MM-dd}");
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Count(e => e.Str("kind") == "certification-renewed").ShouldBe(1);
    }
}
