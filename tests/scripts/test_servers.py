"""The server lifecycle that every real-process test relies on."""

import os
import signal
import subprocess
import sys
import textwrap

import httpx
import pytest

from scripts import servers


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("runtime", servers.RUNTIMES)
def test_server_is_gone_after_a_failing_block(runtime: str) -> None:
    with (  # noqa: PT012 - the failure must happen inside the running server's block
        pytest.raises(RuntimeError, match="a test failed here"),
        servers.running_server(runtime, "hello") as server,
    ):
        pid = server.pid
        assert httpx.get(server.base_url + "/healthz").status_code == 200
        raise RuntimeError("a test failed here")
    assert not process_exists(pid)


def test_stop_kills_a_server_that_ignores_sigterm() -> None:
    stubborn = textwrap.dedent(
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", stubborn], stdout=subprocess.PIPE, start_new_session=True
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        assert servers.stop(process, grace=0.5) == -signal.SIGKILL
    assert not process_exists(process.pid)


def test_a_server_that_cannot_start_reports_its_output() -> None:
    with (
        pytest.raises(servers.ServerStartError, match="exited with status"),
        servers.running_server("python", "hello", env={"PORT": "not-a-port"}),
    ):
        pytest.fail("the server should not have started")  # pragma: no cover


def test_unknown_runtime_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown runtime 'ruby'"):
        servers.example_command("ruby", "hello")


def test_node_binary_is_node_24_and_not_a_wrapper() -> None:
    node = servers.node_binary()
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("v24.")
    with open(node, "rb") as binary:
        assert binary.read(4) == b"\x7fELF", f"{node} is a script wrapper, not the real binary"


def test_wait_for_output_sees_later_writes_and_gives_up_in_time() -> None:
    with servers.running_server("node", "hello") as server:
        httpx.get(server.base_url + "/healthz")
        assert "listening on" in server.wait_for_output("listening on", timeout=5)
        with pytest.raises(AssertionError, match=r"not printed within 0\.2 s"):
            server.wait_for_output("never printed", timeout=0.2)


@pytest.mark.parametrize("runtime", servers.RUNTIMES)
def test_another_server_on_the_port_is_not_taken_for_this_one(runtime: str) -> None:
    # The port race: a server already answers /healthz on the port this one was given.
    with servers.running_server("python", "hello") as squatter:
        port = int(squatter.base_url.rsplit(":", 1)[1])
        command = servers.example_command(runtime, "hello")
        env = {"HOST": "127.0.0.1", "PORT": str(port)}
        with (
            pytest.raises(servers.ServerStartError, match="exited with status") as failure,
            servers.launched(command, port=port, env=env, timeout=20),
        ):
            pytest.fail("took the squatter's answer for its own")  # pragma: no cover
        assert servers.PORT_TAKEN.search(str(failure.value))


def test_a_taken_port_is_retried_with_another(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        free = servers.free_port()
        ports = iter([taken, free])
        monkeypatch.setattr(servers, "free_port", lambda: next(ports))
        with servers.running_server("node", "hello") as server:
            assert server.base_url.endswith(f":{free}")
            assert servers.serves(server.process, free)
            assert not servers.serves(server.process, taken)
