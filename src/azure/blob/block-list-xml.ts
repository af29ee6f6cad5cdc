// The two XML documents of block uploads: the Put Block List request body, and the Get Block List answer.
// Block ids are base64, so they never need escaping.

import { decodeXml } from './blob-errors.ts';

export interface BlockInfo {
  /** Base64 block id, as sent with Put Block. */
  name: string;
  size: number;
}

export interface BlockList {
  committed: BlockInfo[];
  uncommitted: BlockInfo[];
}

/** `<Latest>` lets the service take the uncommitted block when there is one, else the committed one. */
export function blockListBody(blockIds: readonly string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
}

export function parseBlockList(xml: string): BlockList {
  return {
    committed: blocksIn(section(xml, 'CommittedBlocks')),
    uncommitted: blocksIn(section(xml, 'UncommittedBlocks')),
  };
}

function section(xml: string, tag: string): string {
  // `<CommittedBlocks />` (empty) has no closing tag and no blocks.
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1] ?? '';
}

function blocksIn(xml: string): BlockInfo[] {
  const blocks: BlockInfo[] = [];
  for (const m of xml.matchAll(/<Block>([\s\S]*?)<\/Block>/g)) {
    const body = m[1] ?? '';
    const name = /<Name>([\s\S]*?)<\/Name>/.exec(body)?.[1];
    const size = /<Size>(\d+)<\/Size>/.exec(body)?.[1];
    if (name !== undefined && size !== undefined) blocks.push({ name: decodeXml(name), size: Number(size) });
  }
  return blocks;
}
