using System.Text.Json;
using Alba;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Practitioners;

public class CorrectingDetailsTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private Task<IScenarioResult> Correct(Guid id, object body, string token, int status) => As(token, s =>
    {
        s.Patch.Json(body).ToUrl($"/api/practitioners/{id}");
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task a_correction_changes_the_profile_and_is_on_the_timeline_and_in_the_audit_history()
    {
        var id = await RegisterPractitioner("Jon Smtih", "jon@example.org");
        await Correct(id, new { fullName = "Jon Smith", email = "jon.smith@example.org" }, PractitionerToken(id), 204);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("fullName").ShouldBe("Jon Smith");
        profile.Str("email").ShouldBe("jon.smith@example.org");

        var entry = (await Get<JsonElement>($"/api/practitioners/{id}/timeline")).GetProperty("entries").EnumerateArray()
            .Single(e => e.Str("kind") == "details-corrected");
        entry.Str("summary").ShouldContain("'Jon Smtih' to 'Jon Smith'");
        entry.Str("summary").ShouldContain("'jon@example.org' to 'jon.smith@example.org'");

        var history = await Get<JsonElement>($"/api/audit/practitioners/{id}/events", AuditorToken);
        var corrected = history.EnumerateArray().Single(e => e.Str("type").Contains("corrected"));
        corrected.Str("recordedBy").ShouldBe($"practitioner:{id}");
        var data = corrected.GetProperty("data");
        data.Str("previousFullName").ShouldBe("Jon Smtih");
        data.Str("fullName").ShouldBe("Jon Smith");
        data.Str("previousEmail").ShouldBe("jon@example.org");
        data.Str("correctedBy").ShouldBe($"practitioner:{id}");
    }

    [Fact]
    public async Task the_email_index_follows_the_correction()
    {
        var id = await RegisterPractitioner("Jon Smith", "old@example.org");
        await Correct(id, new { email = "New@Example.org" }, AdminToken, 204);

        (await Get<JsonElement>("/api/practitioners?email=new@example.org")).GetProperty("id").GetGuid().ShouldBe(id);
        await As(AdminToken, s =>
        {
            s.Get.Url("/api/practitioners?email=old@example.org");
            s.StatusCodeShouldBe(404);
        });
        // The old address is free for someone else.
        await RegisterPractitioner("Someone Else", "old@example.org");
    }

    [Fact]
    public async Task an_email_that_belongs_to_someone_else_is_409_and_changes_nothing()
    {
        await RegisterPractitioner("Taken", "taken@example.org");
        var id = await RegisterPractitioner("Jon Smith", "jon@example.org");
        var before = await EventCount();

        var result = await Correct(id, new { fullName = "Jonathan Smith", email = "TAKEN@example.org" }, AdminToken, 409);
        (await result.Json()).Str("detail").ShouldContain("email");

        (await EventCount()).ShouldBe(before);
        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("fullName").ShouldBe("Jon Smith");
    }

    [Fact]
    public async Task only_the_practitioner_or_an_admin_may_correct()
    {
        var id = await RegisterPractitioner();
        await Correct(id, new { fullName = "X" }, PractitionerToken(Guid.NewGuid()), 403);
        await Correct(id, new { fullName = "X" }, AuditorToken, 403);
        await Correct(Guid.NewGuid(), new { fullName = "X" }, AdminToken, 404);
    }

    [Theory]
    [InlineData("""{}""", "body")]
    [InlineData("""{"fullName":""}""", "fullName")]
    [InlineData("""{"email":"not-an-email"}""", "email")]
    [InlineData("""{"fulName":"Typo"}""", "fulName")]
    public async Task bad_corrections_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        var result = await As(AdminToken, s =>
        {
            s.Patch.Text(body).ToUrl($"/api/practitioners/{id}");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        (await EventCount()).ShouldBe(1);
    }

    [Fact]
    public void the_decision_records_only_what_changed()
    {
        var current = new Practitioner { Id = Guid.NewGuid(), FullName = "Jon Smith", Email = "jon@example.org" };
        var today = new DateOnly(2026, 3, 1);

        CorrectDetailsEndpoint.Decide(current, new CorrectDetails(" Jon Smith ", "jon@example.org"), "admin", today).ShouldBeNull();

        var corrected = CorrectDetailsEndpoint.Decide(current, new CorrectDetails(null, "jon@example.net"), "admin", today)!;
        corrected.FullName.ShouldBeNull();
        corrected.PreviousFullName.ShouldBeNull();
        corrected.Email.ShouldBe("jon@example.net");
        corrected.PreviousEmail.ShouldBe("jon@example.org");
        corrected.CorrectedBy.ShouldBe("admin");
        corrected.CorrectedOn.ShouldBe(today);
    }
}
