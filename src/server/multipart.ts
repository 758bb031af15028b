import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { badRequest, tooLarge, unsupportedType } from './http-error.ts';

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** The one file part of a multipart request, which must be named `field`. */
export async function filePart(req: FastifyRequest, field: string, maxBytes: number): Promise<MultipartFile> {
  if (!req.isMultipart()) throw unsupportedType(`send multipart/form-data with a file field '${field}'`);
  const part = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 2 } });
  if (!part) throw badRequest(`missing file field '${field}'`);
  if (part.fieldname !== part.fieldname.trim() || part.fieldname !== field) {
    part.file.resume();
    throw badRequest(`expected the file in field '${field}', got '${part.fieldname}'`);
  }
  return part;
}

/** Reads the part into memory, answering 413 past `maxBytes`. */
export async function partToBuffer(part: MultipartFile, maxBytes: number): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw tooLarge(`the upload is larger than the ${mb(maxBytes)} limit`);
    }
    throw err;
  }
}

export { mb };
