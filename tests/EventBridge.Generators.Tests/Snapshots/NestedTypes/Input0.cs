using System.Threading.Tasks;
using EventBridge;

namespace Game;

public static partial class Lobby
{
    public sealed record Player(string Name, Player.Stats Score)
    {
        public sealed record Stats(int Wins, int Losses);
    }

    public static class Handlers
    {
        [Consumer("player_joined", Namespace = "lobby")]
        internal static Task OnJoined(Player player) => Task.CompletedTask;
    }

    public sealed partial class Table
    {
        public partial record Seat
        {
            [Consumer("seat_taken")]
            public void OnSeatTaken(Player player)
            {
            }
        }
    }
}
