"""`hanlin agent "question"`: an agent loop against a running server (any OpenAI-compatible URL)
with the built-in tools in a local sandbox, printing each step as it finishes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TextIO

from server.cli_data import DEFAULT_BASE_URL

PROTOCOLS = ("react", "openai", "internlm2")


def add_parser(sub: argparse._SubParsersAction) -> None:
    agent = sub.add_parser("agent", help="answer a question with tools (sandboxed code, ...)")
    agent.add_argument("question")
    agent.add_argument("--tools", default="code_interpreter,calculator",
                       help="comma-separated built-ins: code_interpreter, calculator, "
                            "read_file, write_file")
    agent.add_argument("--protocol", choices=PROTOCOLS, default="react",
                       help="react: text actions (any model); openai: function calling; "
                            "internlm2: <|action_start|> actions")
    agent.add_argument("--max-steps", type=int, default=6)
    agent.add_argument("--max-tokens", type=int, default=512, help="per model turn")
    agent.add_argument("--model", help="default: the server's first model")
    agent.add_argument("--base-url", default=os.environ.get("HANLIN_BASE_URL", DEFAULT_BASE_URL))
    agent.add_argument("--api-key", default=os.environ.get("HANLIN_API_KEY"))


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(args, sys.stdout))
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    import httpx

    from agents import Agent, ChatModelError, OpenAIChatModel, Toolbox, WorkspaceTools
    from agents.protocols import InternLM2Protocol, OpenAIProtocol, ReActProtocol
    from agents.sandbox import Workspace

    model = args.model or await _first_model(args.base_url, args.api_key)
    if model is None:
        print(f"error: cannot list models at {args.base_url}", file=sys.stderr)
        return 1
    protocol = {"react": ReActProtocol, "openai": OpenAIProtocol,
                "internlm2": InternLM2Protocol}[args.protocol]()
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    chat = OpenAIChatModel(args.base_url, model, api_key=args.api_key, max_tokens=args.max_tokens)
    workspace = await asyncio.to_thread(Workspace)
    tools = WorkspaceTools(workspace)
    try:
        available = {t.name: t for t in tools.tools()}
        unknown = [t for t in wanted if t not in available]
        if unknown:
            print(f"error: unknown tool(s) {', '.join(unknown)}; "
                  f"choose from {', '.join(available)}", file=sys.stderr)
            return 2
        agent = Agent(chat, Toolbox(available[t] for t in wanted), protocol,
                      max_steps=args.max_steps)
        answer = None
        async for step in agent.stream(args.question):
            _print_step(step, out)
            answer = step.final_answer if step.final_answer is not None else answer
        print(f"\nAnswer: {answer if answer is not None else '(none)'}", file=out, flush=True)
        return 0
    except (ChatModelError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await tools.aclose()
        await chat.aclose()
        await asyncio.to_thread(workspace.close)


async def _first_model(base_url: str, api_key: str | None) -> str | None:
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        async with httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers) as http:
            reply = await http.get("/models")
            return reply.json()["data"][0]["id"] if reply.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError, IndexError):
        return None


def _print_step(step, out: TextIO) -> None:  # noqa: ANN001
    label = "forced final step" if step.forced else f"step {step.index + 1}"
    print(f"── {label} ({step.duration_s:.1f}s, {step.usage.completion_tokens} tokens)", file=out)
    if step.thought:
        print(f"Thought: {step.thought}", file=out)
    for action in step.actions:
        print(f"Action: {action.call.name}({action.call.arguments})", file=out)
        flag = " [error]" if action.observation.is_error else ""
        print(f"Observation{flag} ({action.duration_s:.2f}s): {action.observation.content}",
              file=out)
    if step.error:
        print(f"(unparsable turn: {step.error})", file=out)
    if step.final_answer is not None:
        print(f"Final answer: {step.final_answer}", file=out)
    out.flush()
