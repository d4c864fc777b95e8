using System.Text.Json;
using Alba;
using JasperFx.Events;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;
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
    public async Task the_credential_of_a_renewal_a_pass_causes_is_issued_in_the_completions_own_transaction()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", Clock.Today.AddYears(-3).AddDays(60));
        await using (var before = Store.QuerySession())
            (await before.Events.FetchStreamAsync(id)).OfType<IEvent<CredentialIssued>>().Count().ShouldBe(1);

        await Complete(provider.ApiKey, id, Completion("exam-tx", code: "P3O-F", title: "P3O Foundation exam",
            completedOn: $"{Clock.Today.AddDays(-1):yyyy-MM-dd}", outcome: "passed"));

        // Written by the completion's session (it carries that session's mark), not by a second transaction after it.
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        var written = events.SkipWhile(e => e.Data is not TrainingCompleted).ToList();
        written.Select(e => e.Data.GetType()).ShouldBe([typeof(TrainingCompleted), typeof(CertificationRenewed), typeof(CredentialIssued)]);
        written.ShouldAllBe(e => CredentialSettlement.WasSettled(e));
        var credentials = await Get<JsonElement>($"/api/practitioners/{id}/credentials");
        credentials.EnumerateArray().Count(c => c.Str("status") == "active").ShouldBe(2);
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
