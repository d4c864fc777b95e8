using System.Text.Json;
using Alba;

namespace PmoLedger.Tests.Features.Practitioners;

/// <summary>Bad input and wrong callers on the role and read routes: clear problems, nothing written.</summary>
public class RoleInputAndAccessTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private object ValidRole(DateOnly? startedOn = null) => new
    {
        title = "PMO Analyst", roleFamily = "analyst", employmentType = "permanent", organisation = "Acme",
        industry = "Technology", officeType = "programme", startedOn = startedOn ?? Clock.Today.AddDays(-10)
    };

    private async Task<JsonElement> PostRoleExpecting(Guid id, string body, int status, string? token = null)
    {
        var result = await As(token ?? AdminToken, s =>
        {
            s.Post.Text(body).ToUrl($"/api/practitioners/{id}/roles");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(status);
            s.ContentTypeShouldBe("application/problem+json");
        });
        return await result.Json();
    }

    [Theory]
    [InlineData("roleFamily", "\"wizard\"")]
    [InlineData("employmentType", "\"zero-hours\"")]
    [InlineData("officeType", "\"Programme\"")]
    [InlineData("specialism", "\"astrology\"")]
    [InlineData("startedOn", "\"2024-02-30\"")]
    [InlineData("startedOn", "12345")]
    [InlineData("concurrent", "\"yes\"")]
    [InlineData("title", "\"\"")]
    public async Task a_bad_field_is_400_naming_it_and_writes_nothing(string field, string json)
    {
        var id = await RegisterPractitioner();
        var body = JsonSerializer.SerializeToNode(ValidRole())!.AsObject();
        body[field] = System.Text.Json.Nodes.JsonNode.Parse(json);

        var problem = await PostRoleExpecting(id, body.ToJsonString(), 400);

        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await EventCountFor(id)).ShouldBe(1);
    }

    [Fact]
    public async Task an_unknown_value_lists_the_allowed_ones()
    {
        var id = await RegisterPractitioner();
        var problem = await PostRoleExpecting(id, """{"title":"x","roleFamily":"wizard","employmentType":"permanent","organisation":"a","industry":"b","officeType":"project","startedOn":"2024-01-01"}""", 400);
        problem.GetProperty("errors").GetProperty("roleFamily")[0].GetString()
            .ShouldBe("'wizard' is not a known roleFamily; use one of: administrator, analyst, manager, director, specialist.");
    }

    [Fact]
    public async Task missing_fields_are_all_named_at_once()
    {
        var id = await RegisterPractitioner();
        var problem = await PostRoleExpecting(id, "{}", 400);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        fields.ShouldBe(["title", "organisation", "industry", "startedOn", "roleFamily", "employmentType", "officeType"], ignoreOrder: true);
    }

    [Fact]
    public async Task a_specialist_needs_a_specialism()
    {
        var id = await RegisterPractitioner();
        var problem = await PostRoleExpecting(id, """{"title":"x","roleFamily":"specialist","employmentType":"permanent","organisation":"a","industry":"b","officeType":"project","startedOn":"2024-01-01"}""", 400);
        problem.GetProperty("errors").TryGetProperty("specialism", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_role_may_not_start_in_the_future()
    {
        var id = await RegisterPractitioner();
        var problem = await PostRoleExpecting(id, JsonSerializer.Serialize(ValidRole(Clock.Today.AddDays(1))), 400);
        problem.GetProperty("errors").TryGetProperty("startedOn", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_main_role_must_start_after_the_latest_main_role()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddDays(-10));
        var problem = await PostRoleExpecting(id, JsonSerializer.Serialize(ValidRole(Clock.Today.AddDays(-20))), 400);
        problem.GetProperty("errors").GetProperty("startedOn")[0].GetString()!.ShouldContain("record roles in order");
    }

    [Fact]
    public async Task an_unknown_practitioner_is_404_problem()
    {
        await As(AdminToken, s =>
        {
            s.Post.Json(ValidRole()).ToUrl($"/api/practitioners/{Guid.NewGuid()}/roles");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
        await As(AdminToken, s => { s.Get.Url($"/api/practitioners/{Guid.NewGuid()}"); s.StatusCodeShouldBe(404); });
        await As(AdminToken, s => { s.Get.Url($"/api/practitioners/{Guid.NewGuid()}/timeline"); s.StatusCodeShouldBe(404); });
        await As(AdminToken, s => { s.Get.Url("/api/practitioners/not-a-guid"); s.StatusCodeShouldBe(404); });
    }

    [Fact]
    public async Task a_practitioner_records_their_own_roles_and_reads_their_own_record()
    {
        var id = await RegisterPractitioner();
        await As(PractitionerToken(id), s =>
        {
            s.Post.Json(ValidRole()).ToUrl($"/api/practitioners/{id}/roles");
            s.StatusCodeShouldBe(204);
        });
        await As(PractitionerToken(id), s => s.Get.Url($"/api/practitioners/{id}"));
        await As(PractitionerToken(id), s => s.Get.Url($"/api/practitioners/{id}/timeline"));
    }

    [Fact]
    public async Task someone_elses_record_is_403_for_reads_and_writes_and_writes_nothing()
    {
        var mine = await RegisterPractitioner();
        var theirs = await RegisterPractitioner();
        var token = PractitionerToken(mine);

        await PostRoleExpecting(theirs, JsonSerializer.Serialize(ValidRole()), 403, token);
        await As(token, s => { s.Get.Url($"/api/practitioners/{theirs}"); s.StatusCodeShouldBe(403); });
        await As(token, s => { s.Get.Url($"/api/practitioners/{theirs}/timeline"); s.StatusCodeShouldBe(403); });
        await As(token, s =>
        {
            s.Post.Json(new { endedOn = Clock.Today }).ToUrl($"/api/practitioners/{theirs}/roles/end");
            s.StatusCodeShouldBe(403);
        });
        (await EventCountFor(theirs)).ShouldBe(1);
    }

    [Fact]
    public async Task auditors_read_but_never_write()
    {
        var id = await RegisterPractitioner();
        await As(AuditorToken, s => s.Get.Url($"/api/practitioners/{id}"));
        await As(AuditorToken, s => s.Get.Url($"/api/practitioners/{id}/timeline"));
        await PostRoleExpecting(id, JsonSerializer.Serialize(ValidRole()), 403, AuditorToken);
        (await EventCountFor(id)).ShouldBe(1);
    }

    [Fact]
    public async Task a_practitioner_token_without_an_id_reaches_nothing()
    {
        var id = await RegisterPractitioner();
        var token = new PmoLedger.Infrastructure.AuthSettings
        {
            SigningKey = "development-only-signing-key-for-pmoledger-do-not-use-in-production"
        }.Mint("practitioner", null, "nobody", DateTimeOffset.UtcNow);
        await As(token, s => { s.Get.Url($"/api/practitioners/{id}"); s.StatusCodeShouldBe(403); });
    }

    [Fact]
    public async Task end_role_validates_its_input()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddDays(-10));
        await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Clock.Today.AddDays(-20) }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(400);
        });
        await As(AdminToken, s =>
        {
            s.Post.Json(new { }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(400);
        });
        await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Clock.Today.AddDays(3) }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(400);
        });
    }
}
