using LlmRouter;

var builder = WebApplication.CreateBuilder(args);
builder.AddLlmRouterLogging();
builder.Services.AddLlmRouter(builder.Configuration);

var app = builder.Build();
app.MapLlmRouter();
app.Run();

/// <summary>The gateway host; public so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program;
