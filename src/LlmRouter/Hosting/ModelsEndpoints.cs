using System.Text.Json;
using LlmRouter.Configuration;
using LlmRouter.Protocols;
using LlmRouter.Providers;
using LlmRouter.Proxy;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Hosting;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: every model name a client may send, in OpenAI's shape, or in
/// Anthropic's (<c>type</c>, <c>display_name</c>, <c>created_at</c>, <c>has_more</c>) for Anthropic clients.
/// </summary>
internal static class ModelsEndpoints
{
    public static async Task ListAsync(HttpContext context, CatalogProvider catalogProvider)
    {
        var catalog = catalogProvider.Current;
        var anthropic = ClientProtocols.Of(context) == ClientProtocol.Anthropic;
        var routes = catalog.Routes.OrderBy(r => r.IsImplicit).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body, JsonOutput.Options);
        writer.WriteStartObject();
        if (!anthropic)
        {
            writer.WriteString("object"u8, "list"u8);
        }

        writer.WritePropertyName("data"u8);
        writer.WriteStartArray();
        foreach (var route in routes)
        {
            WriteModel(writer, route, catalog, anthropic);
        }

        writer.WriteEndArray();
        if (anthropic)
        {
            writer.WriteBoolean("has_more"u8, false);
            writer.WriteString("first_id"u8, routes.Count == 0 ? null : routes[0].Name);
            writer.WriteString("last_id"u8, routes.Count == 0 ? null : routes[^1].Name);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    public static async Task GetAsync(HttpContext context, string id, CatalogProvider catalogProvider)
    {
        var catalog = catalogProvider.Current;
        if (!catalog.TryGetRoute(id, out var route))
        {
            await GatewayError.WriteAsync(context, StatusCodes.Status404NotFound,
                $"The model `{id}` does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found");
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body, JsonOutput.Options);
        WriteModel(writer, route, catalog, ClientProtocols.Of(context) == ClientProtocol.Anthropic);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static void WriteModel(Utf8JsonWriter writer, RouteDefinition route, RouterCatalog catalog, bool anthropic)
    {
        writer.WriteStartObject();
        if (anthropic)
        {
            writer.WriteString("type"u8, "model"u8);
            writer.WriteString("id"u8, route.Name);
            writer.WriteString("display_name"u8, route.Name);
            writer.WriteString("created_at"u8, catalog.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            return;
        }

        writer.WriteString("id"u8, route.Name);
        writer.WriteString("object"u8, "model"u8);
        writer.WriteNumber("created"u8, catalog.CreatedAt.ToUnixTimeSeconds());
        writer.WriteString("owned_by"u8, route.IsImplicit ? route.Members[0].Provider.ToString().ToLowerInvariant() : "llmrouter");
        writer.WriteEndObject();
    }
}
