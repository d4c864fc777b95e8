using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Practitioners;

public class SearchingPractitionersTests(AppFixture fixture) : ProviderContext(fixture)
{
    private async Task<JsonElement> Search(string query, string? token = null) =>
        await (await As(token ?? AuditorToken, s =>
        {
            s.Get.Url($"/api/practitioners?{query}");
            s.StatusCodeShouldBe(200);
        })).Json();

    private static string[] Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.Str("fullName")).ToArray();

    [Fact]
    public async Task any_part_of_a_name_or_email_finds_them_in_any_case()
    {
        await RegisterPractitioner("Grace Hopper", "grace.hopper@navy.example");
        await RegisterPractitioner("Ada Lovelace", "ada@engines.example");
        await RegisterPractitioner("Alan Turing", "alan@bletchley.example");

        Names(await Search("q=HOPP")).ShouldBe(["Grace Hopper"]);
        Names(await Search("q=engines.EX")).ShouldBe(["Ada Lovelace"]);
        Names(await Search("q=a")).ShouldBe(["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
        Names(await Search("q=nobody")).ShouldBeEmpty();

        var item = (await Search("q=lovelace")).GetProperty("items")[0];
        item.Str("email").ShouldBe("ada@engines.example");
        item.Str("careerLevel").ShouldBe("entry");
    }

    [Fact]
    public async Task filters_by_current_organisation_and_career_level_with_paging_and_a_total()
    {
        var ada = await RegisterPractitioner("Ada Manager");
        await ChangeRole(ada, "analyst", Clock.Today.AddYears(-5));
        await ChangeRole(ada, "manager", Clock.Today.AddYears(-1));
        var bob = await RegisterPractitioner("Bob Newcomer");
        await As(AdminToken, s =>
        {
            s.Post.Json(new
            {
                title = "PMO Administrator", roleFamily = "administrator", employmentType = "permanent", organisation = "Elsewhere Ltd",
                industry = "Energy", officeType = "project", startedOn = Clock.Today.AddMonths(-2)
            }).ToUrl($"/api/practitioners/{bob}/roles");
            s.StatusCodeShouldBe(204);
        });
        for (var i = 0; i < 3; i++) await RegisterPractitioner($"Zed {i}");

        var managing = await Search("careerLevel=managing");
        Names(managing).ShouldBe(["Ada Manager"]);
        managing.GetProperty("items")[0].Str("organisation").ShouldBe("Acme");

        Names(await Search("organisation=elsewhere%20LTD")).ShouldBe(["Bob Newcomer"]);
        Names(await Search("organisation=acme&careerLevel=entry")).ShouldBeEmpty();

        var second = await Search("q=zed&page=2&pageSize=2");
        Names(second).ShouldBe(["Zed 2"]);
        second.GetProperty("total").GetInt64().ShouldBe(3);
        second.GetProperty("page").GetInt32().ShouldBe(2);
        second.GetProperty("pageSize").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task a_corrected_name_is_found_under_the_new_name_only()
    {
        var id = await RegisterPractitioner("Jon Smtih");
        await As(AdminToken, s =>
        {
            s.Patch.Json(new { fullName = "Jon Smith" }).ToUrl($"/api/practitioners/{id}");
            s.StatusCodeShouldBe(204);
        });
        Names(await Search("q=smith")).ShouldBe(["Jon Smith"]);
        Names(await Search("q=smtih")).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_erased_person_is_listed_as_erased_and_never_found_by_a_name_or_email_they_had()
    {
        var id = await RegisterPractitioner("Jon Smtih", "jon.smtih@example.org");
        await As(AdminToken, s =>
        {
            s.Patch.Json(new { fullName = "Jon Smith", email = "jon.smith@example.org" }).ToUrl($"/api/practitioners/{id}");
            s.StatusCodeShouldBe(204);
        });
        await RegisterPractitioner("Jon Other", "jon.other@example.org");
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{id}/erase");
            s.StatusCodeShouldBe(204);
        });

        foreach (var q in new[] { "smith", "smtih", "jon.smith@example.org", "jon.smtih", "erased" })
            Names(await Search($"q={Uri.EscapeDataString(q)}")).ShouldBeEmpty(q);
        Names(await Search("q=jon")).ShouldBe(["Jon Other"]);

        var erased = (await Search("")).GetProperty("items").EnumerateArray().Single(i => i.Str("id") == id.ToString());
        erased.Str("fullName").ShouldBe("[erased]");
        erased.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Theory]
    [InlineData("careerLevel=guru", "careerLevel")]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=1000", "pageSize")]
    public async Task bad_search_values_are_400_naming_the_field(string query, string field)
    {
        var result = await As(AuditorToken, s =>
        {
            s.Get.Url($"/api/practitioners?{query}");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task providers_find_by_exact_email_but_may_not_search()
    {
        var provider = await RegisterProvider();
        await RegisterPractitioner("Grace Hopper", "grace@example.org");

        var found = await (await WithKey(provider.ApiKey, s => s.Get.Url("/api/practitioners?email=GRACE@example.org"))).Json();
        found.Str("fullName").ShouldBe("Grace Hopper");

        var refused = await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url("/api/practitioners?q=grace");
            s.StatusCodeShouldBe(403);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await refused.Json()).Str("detail").ShouldContain("email");

        await As(PractitionerToken(Guid.NewGuid()), s =>
        {
            s.Get.Url("/api/practitioners?q=grace");
            s.StatusCodeShouldBe(403);
        });
    }

    [Fact]
    public async Task auditors_find_by_exact_email_too()
    {
        var id = await RegisterPractitioner("Grace Hopper", "grace@example.org");
        var found = await (await As(AuditorToken, s => s.Get.Url("/api/practitioners?email=grace@example.org"))).Json();
        found.GetProperty("id").GetGuid().ShouldBe(id);

        await As(AuditorToken, s =>
        {
            s.Get.Url("/api/practitioners?email=grac@example.org");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }
}
