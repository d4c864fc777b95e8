using Wolverine.Tracking;
using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Certifications;

public class CertificationScenarioTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private static JsonElement Certification(JsonElement profile, string code) =>
        profile.GetProperty("certifications").EnumerateArray().Single(c => c.Str("code") == code);

    [Fact]
    public async Task an_award_shows_on_the_profile_and_timeline_with_renew_by_three_years_on()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();

        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = "2025-03-10", certificateNumber = "GR656-0001" })
                .ToUrl($"/api/practitioners/{id}/certifications");
            s.StatusCodeShouldBe(201);
        });
        var certificationId = (await result.Json()).GetProperty("certificationId").GetGuid();

        var certification = Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F");
        certification.Str("name").ShouldBe("P3O Foundation");
        certification.Str("awardedOn").ShouldBe("2025-03-10");
        certification.Str("renewBy").ShouldBe("2028-03-10");
        certification.Str("status").ShouldBe("active");

        var entry = Entries(await TimelineOf(id), "certification-awarded").Single();
        entry.Str("summary").ShouldBe("Awarded P3O Foundation (P3O-F), certificate GR656-0001; renew by 2028-03-10.");
        entry.Str("occurredOn").ShouldBe("2025-03-10");
        entry.GetProperty("ref").GetGuid().ShouldBe(certificationId);
    }

    [Fact]
    public async Task a_provider_awards_with_its_api_key()
    {
        var id = await RegisterPractitioner();
        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "Axelos Learning Partners" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var apiKey = (await provider.Json()).Str("apiKey");

        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Post.Json(new { code = "P3O-P", name = "P3O Practitioner", awardedOn = Clock.Today, certificateNumber = "P-1" })
                .ToUrl($"/api/practitioners/{id}/certifications");
            s.StatusCodeShouldBe(201);
        });
        Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-P").Str("status").ShouldBe("active");
    }

    [Fact]
    public async Task status_is_renewal_due_within_90_days_of_renew_by_and_expired_from_renew_by()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", new DateOnly(2023, 8, 30));   // renew by 2026-08-30: 90 days ahead

        Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F").Str("status").ShouldBe("renewal-due");

        Today(new DateOnly(2026, 5, 31));   // 91 days ahead
        Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F").Str("status").ShouldBe("active");

        Today(new DateOnly(2026, 8, 30));   // the scheduled expiry is due but computed status does not wait for it
        Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F").Str("status").ShouldBe("expired");
    }

    [Fact]
    public async Task an_award_whose_renew_by_has_passed_is_recorded_expired_in_the_same_append()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();
        var certificationId = await Award(id, "P3O-F", new DateOnly(2020, 1, 15), name: "P3O Foundation");

        Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F").Str("status").ShouldBe("expired");
        var expired = Entries(await TimelineOf(id), "certification-expired").Single();
        expired.Str("occurredOn").ShouldBe("2023-01-15");
        expired.Str("summary").ShouldBe("P3O Foundation (P3O-F) expired: it was not renewed by 2023-01-15.");
        expired.GetProperty("ref").GetGuid().ShouldBe(certificationId);

        var recordedAt = (await TimelineOf(id)).GetProperty("entries").EnumerateArray()
            .Where(e => e.Str("kind").StartsWith("certification")).Select(e => e.GetProperty("recordedAt").GetDateTimeOffset()).Distinct();
        recordedAt.Count().ShouldBe(1);
    }

    [Fact]
    public async Task the_scheduled_expiry_really_fires_and_lands_on_the_timeline()
    {
        var renewBy = new DateOnly(2027, 1, 15);
        // Two seconds before renewBy begins, on the ledger's clock.
        Clock.Offset = PmoLedger.Infrastructure.Clock.StartOf(renewBy) - TimeSpan.FromSeconds(2) - TimeProvider.System.GetUtcNow();
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", renewBy.AddYears(-3));
        Entries(await TimelineOf(id), "certification-expired").ShouldBeEmpty();

        var watch = Stopwatch.StartNew();
        while (!Entries(await TimelineOf(id), "certification-expired").Any())
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), "the expiry message never fired");
            await Task.Delay(250);
        }
        Entries(await TimelineOf(id), "certification-expired").Single().Str("occurredOn").ShouldBe("2027-01-15");
    }

    [Fact]
    public async Task a_renewed_certifications_stale_expiry_message_records_nothing()
    {
        var renewBy = new DateOnly(2027, 1, 15);
        Today(renewBy.AddDays(-30));
        var id = await RegisterPractitioner();
        var awardedOn = renewBy.AddYears(-3);
        var certificationId = await Award(id, "P3O-F", awardedOn);
        // Meet all three periods: renewed by CPD before renewBy, so the message for renewBy is stale.
        for (var year = 0; year < 3; year++)
            await LogCpd(id, "professional-experience", 15, awardedOn.AddYears(year).AddDays(10 + year));
        for (var year = 0; year < 3; year++)
            await LogCpd(id, "community", 5, awardedOn.AddYears(year).AddDays(20 + year));

        // The renewBy day comes and the message is handled (the test waits for the message, not for time).
        Today(renewBy);
        var before = await EventCountFor(id);
        await Host.InvokeMessageAndWaitAsync(new SettleCertifications(id, certificationId));

        (await EventCountFor(id)).ShouldBe(before);
        var timeline = await TimelineOf(id);
        Entries(timeline, "certification-renewed").Count().ShouldBe(1);
        Entries(timeline, "certification-expired").ShouldBeEmpty();
    }

    [Fact]
    public async Task meeting_all_three_periods_renews_the_certification_through_cpd()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();
        var certificationId = await Award(id, "P3O-F", new DateOnly(2023, 9, 1), name: "P3O Foundation");

        await LogCpd(id, "professional-experience", 10, new DateOnly(2023, 10, 1));
        await LogCpd(id, "professional-education", 10, new DateOnly(2024, 2, 1));
        await LogCpd(id, "professional-experience", 10, new DateOnly(2024, 10, 1));
        await LogCpd(id, "community", 10, new DateOnly(2025, 2, 1));
        await LogCpd(id, "professional-experience", 10, new DateOnly(2025, 10, 1));
        Entries(await TimelineOf(id), "certification-renewed").ShouldBeEmpty();

        await LogCpd(id, "professional-education", 10, new DateOnly(2026, 3, 2));

        var renewed = Entries(await TimelineOf(id), "certification-renewed").Single();
        renewed.Str("occurredOn").ShouldBe("2026-03-02");
        renewed.Str("summary").ShouldBe("Renewed P3O Foundation (P3O-F) through CPD: all three periods of the cycle were met; renew by 2029-09-01.");
        renewed.GetProperty("ref").GetGuid().ShouldBe(certificationId);

        var certification = Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F");
        certification.Str("renewBy").ShouldBe("2029-09-01");
        certification.Str("status").ShouldBe("active");

        var cycles = (await Ledger(id)).GetProperty("cycles").EnumerateArray().ToList();
        cycles.Select(c => (c.Str("start"), c.Str("renewBy"), c.Str("status")))
            .ShouldBe([("2023-09-01", "2026-09-01", "renewed"), ("2026-09-01", "2029-09-01", "open")]);
    }

    /// <summary>What provider ingest does with a completion: append it with whatever it implies for certifications.</summary>
    private async Task CompleteTraining(Guid practitionerId, string code, DateOnly completedOn)
    {
        var completion = new TrainingCompleted(Guid.CreateVersion7(), Guid.NewGuid(), "Academy", "ref-1", code, $"{code} exam",
            completedOn, TrainingOutcome.Passed, 0.9m, 2, null);
        await using var session = Store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Practitioner>(practitionerId);
        stream.AppendMany([completion, .. CertificationRules.RenewalsFor(stream.Aggregate!, completion, Clock.Today)]);
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task a_pass_of_the_exam_renews_and_a_pass_after_expiry_regains_the_certification()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", new DateOnly(2020, 5, 1), name: "P3O Foundation");   // expired 2023-05-01
        await CompleteTraining(id, "P3O-F", new DateOnly(2026, 5, 20));

        var timeline = await TimelineOf(id);
        Entries(timeline, "certification-renewed").Single().Str("summary")
            .ShouldBe("Regained P3O Foundation (P3O-F) by passing the exam again after it had expired; renew by 2029-05-20.");
        var certification = Certification(await Get<JsonElement>($"/api/practitioners/{id}"), "P3O-F");
        (certification.Str("renewBy"), certification.Str("status")).ShouldBe(("2029-05-20", "active"));
        (await Ledger(id)).GetProperty("cycles").EnumerateArray().Select(c => (c.Str("start"), c.Str("status")))
            .ShouldBe([("2020-05-01", "expired"), ("2026-05-20", "open")]);

        await CompleteTraining(id, "P3O-F", new DateOnly(2026, 5, 30));   // the same cycle: nothing more
        Entries(await TimelineOf(id), "certification-renewed").Count().ShouldBe(1);

        Today(new DateOnly(2028, 6, 1));
        await CompleteTraining(id, "p3o-f", new DateOnly(2028, 5, 31));
        Entries(await TimelineOf(id), "certification-renewed").Last().Str("summary")
            .ShouldBe("Renewed P3O Foundation (P3O-F) by passing the exam again; renew by 2032-05-20.");
    }

    [Fact]
    public async Task holding_the_same_code_or_certificate_number_again_is_a_conflict()
    {
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", Clock.Today.AddYears(-1), number: "N-1");
        foreach (var (code, number) in new[] { ("p3o-f", "N-2"), ("P3O-P", "n-1") })
        {
            await As(AdminToken, s =>
            {
                s.Post.Json(new { code, name = "Again", awardedOn = Clock.Today, certificateNumber = number })
                    .ToUrl($"/api/practitioners/{id}/certifications");
                s.StatusCodeShouldBe(409);
                s.ContentTypeShouldBe("application/problem+json");
            });
        }
    }

    [Fact]
    public async Task an_expired_certification_can_be_awarded_again()
    {
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", Clock.Today.AddYears(-5));
        await Award(id, "P3O-F", Clock.Today);

        var statuses = (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("certifications").EnumerateArray()
            .Select(c => c.Str("status"));
        statuses.ShouldBe(["expired", "active"]);
    }

    [Fact]
    public async Task practitioners_and_auditors_may_not_award()
    {
        var id = await RegisterPractitioner();
        foreach (var token in new[] { PractitionerToken(id), AuditorToken })
        {
            await As(token, s =>
            {
                s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = "2025-01-01", certificateNumber = "X" })
                    .ToUrl($"/api/practitioners/{id}/certifications");
                s.StatusCodeShouldBe(403);
            });
        }
        (await EventCount()).ShouldBe(1);
    }

    [Fact]
    public async Task awarding_to_an_unknown_practitioner_is_404()
    {
        await As(AdminToken, s =>
        {
            s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = "2025-01-01", certificateNumber = "X" })
                .ToUrl($"/api/practitioners/{Guid.NewGuid()}/certifications");
            s.StatusCodeShouldBe(404);
        });
    }

    [Theory]
    [InlineData("""{"name":"P3O Foundation","awardedOn":"2025-01-01","certificateNumber":"X"}""", "code")]
    [InlineData("""{"code":"P3O-F","awardedOn":"2025-01-01","certificateNumber":"X"}""", "name")]
    [InlineData("""{"code":"P3O-F","name":"P3O Foundation","certificateNumber":"X"}""", "awardedOn")]
    [InlineData("""{"code":"P3O-F","name":"P3O Foundation","awardedOn":"2999-01-01","certificateNumber":"X"}""", "awardedOn")]
    [InlineData("""{"code":"P3O-F","name":"P3O Foundation","awardedOn":"01/02/2025","certificateNumber":"X"}""", "awardedOn")]
    [InlineData("""{"code":"P3O-F","name":"P3O Foundation","awardedOn":"2025-01-01"}""", "certificateNumber")]
    [InlineData("""{"code":7,"name":"P3O Foundation","awardedOn":"2025-01-01","certificateNumber":"X"}""", "code")]
    public async Task invalid_awards_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        await ShouldBeBadRequest(AdminToken, $"/api/practitioners/{id}/certifications", body, field);
        (await EventCount()).ShouldBe(1);
    }
}
